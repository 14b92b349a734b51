# Usage scope: may this use of a product happen now, under this contract?
# Input: {"principal": {"id", "roles"}, "contract": {...}, "request": {...}, "now_us": int}.
package hnode.usage

import rego.v1

check_names := [
	"contract_active",
	"requester_is_party",
	"within_validity",
	"purpose_matches",
	"mode_matches",
	"uses_left",
	"privacy_budget_left",
	"cohort_large_enough",
]

# the node's own services (an FL client, the HE service) act for the partner under its contract
acts_for_partner(inp) if inp.principal.id == inp.contract.partner_id

acts_for_partner(inp) if "hospital" in inp.principal.roles

passes("contract_active", inp) if inp.contract.state == "ACTIVE"

passes("requester_is_party", inp) if acts_for_partner(inp)

passes("within_validity", inp) if {
	inp.now_us >= inp.contract.valid_from_us
	inp.now_us < inp.contract.valid_to_us
}

passes("purpose_matches", inp) if inp.request.purpose == inp.contract.purpose

passes("mode_matches", inp) if inp.request.access_mode == inp.contract.access_mode

passes("uses_left", inp) if inp.contract.uses < inp.contract.max_uses

passes("privacy_budget_left", inp) if {
	inp.request.epsilon >= 0
	inp.contract.epsilon_spent + inp.request.epsilon <= inp.contract.epsilon
}

# no cohort involved (e.g. an extract, checked by k instead) or one at least the contract's minimum
passes("cohort_large_enough", inp) if inp.request.cohort_size == null

passes("cohort_large_enough", inp) if inp.request.cohort_size >= inp.contract.min_cohort

# an array in check order, not a sorted set: rego-cpp 1.x compares sort(set) results wrongly
failures(inp) := [name |
	some name in check_names
	not passes(name, inp)
]

decide(inp) := {"allow": count(f) == 0, "reasons": f} if {
	f := failures(inp)
}

decision := decide(input)
