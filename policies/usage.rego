# Usage scope: may this use of a product happen now, under this contract?
# Input: {"principal": {"id", "roles"}, "contract": {...}, "product": {...} or null, "request": {...},
# "now_us": int}. The product is the contract's own, as the registry holds it now (never one named in
# the request): its id, status, access mode and asset ids.
#
# This is the hot path of enforcement (every metered use asks it), so it is written for rego-cpp's
# evaluator: rules over `input` rather than functions taking the input as an argument (about half
# the cost), and the reasons of a denial computed only when the use is denied.
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
	"product_in_force",
	"assets_covered",
	"consent_given",
]

# uses that link identified patients (PSI over resident IDs; claims): never without consent facts
identity_linked_modes := {"psi", "settlement"}

contract := input.contract

request := input.request

passes contains "contract_active" if contract.state == "ACTIVE"

passes contains "requester_is_party" if input.principal.id == contract.partner_id

# the node's own services (an FL client, the HE service) act for the partner under its contract
passes contains "requester_is_party" if "hospital" in input.principal.roles

passes contains "within_validity" if {
	input.now_us >= contract.valid_from_us
	input.now_us < contract.valid_to_us
}

passes contains "purpose_matches" if request.purpose == contract.purpose

passes contains "mode_matches" if request.access_mode == contract.access_mode

passes contains "uses_left" if contract.uses < contract.max_uses

passes contains "privacy_budget_left" if {
	request.epsilon >= 0
	contract.epsilon_spent + request.epsilon <= contract.epsilon
}

# no cohort involved (e.g. an extract, checked by k instead) or one at least the contract's minimum
passes contains "cohort_large_enough" if request.cohort_size == null

passes contains "cohort_large_enough" if request.cohort_size >= contract.min_cohort

# the contract's product still exists, is published (not retired: e.g. an asset's level was raised) and
# is offered for the contract's mode
passes contains "product_in_force" if {
	input.product.id == contract.product_id
	input.product.status == "published"
	input.product.access_mode == contract.access_mode
}

# the product reads no asset beyond those signed into the contract
passes contains "assets_covered" if {
	count(input.product.asset_ids) > 0
	count([a | some a in input.product.asset_ids; not a in contract.asset_ids]) == 0
}

# consent (PIPL separate consent for a third party). An identity-linked use brings the registry's
# answer as counts: {"required", "subjects", "without_consent", "excluded"}; other uses bring null.
passes contains "consent_given" if {
	request.consent == null
	not request.access_mode in identity_linked_modes
}

passes contains "consent_given" if request.consent.required == false

# every linked patient consents (e.g. the one patient of a claim)
passes contains "consent_given" if {
	request.consent.required == true
	request.consent.subjects > 0
	request.consent.without_consent == 0
}

# patients without consent are left out of the computation (PSI) and someone is left
passes contains "consent_given" if {
	request.consent.required == true
	request.consent.excluded == true
	request.consent.subjects > request.consent.without_consent
}

# every check passed (the tests pin that `passes` holds exactly `check_names` when all pass)
allow if count(passes) == count(check_names)

# an array in check order, not a sorted set: rego-cpp 1.x compares sort(set) results wrongly
failures := [name |
	some name in check_names
	not name in passes
]

decision := {"allow": true, "reasons": []} if allow

decision := {"allow": false, "reasons": failures} if not allow
