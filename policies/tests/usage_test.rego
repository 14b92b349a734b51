package hnode.usage_test

import rego.v1

import data.hnode.usage.decide

contract := {
	"partner_id": "p-ins", "state": "ACTIVE", "valid_from_us": 1000, "valid_to_us": 2000,
	"purpose": "claims_verification", "access_mode": "aggregate_query", "uses": 3, "max_uses": 10,
	"epsilon": 1.0, "epsilon_spent": 0.5, "min_cohort": 20,
}

ok := {
	"principal": {"id": "p-ins", "roles": ["insurer"]}, "contract": contract, "now_us": 1500,
	"request": {"purpose": "claims_verification", "access_mode": "aggregate_query", "epsilon": 0.25, "cohort_size": 50},
}

with_contract(patch) := object.union(ok, {"contract": object.union(contract, patch)})

with_request(patch) := object.union(ok, {"request": object.union(ok.request, patch)})

test_allows_an_active_contract_within_all_limits if decide(ok) == {"allow": true, "reasons": []}

test_denies_a_contract_not_active if decide(with_contract({"state": "SIGNED"})).reasons == ["contract_active"]

test_denies_another_partner if {
	d := decide(object.union(ok, {"principal": {"id": "p-other", "roles": ["insurer"]}}))
	d.reasons == ["requester_is_party"]
}

test_denies_staff_acting_without_the_partner if {
	d := decide(object.union(ok, {"principal": {"id": "s-officer", "roles": ["data_officer"]}}))
	d.reasons == ["requester_is_party"]
}

test_denies_before_valid_from if decide(object.union(ok, {"now_us": 999})).reasons == ["within_validity"]

test_denies_at_valid_to if decide(object.union(ok, {"now_us": 2000})).reasons == ["within_validity"]

test_denies_another_purpose if decide(with_request({"purpose": "underwriting_risk_model"})).reasons == ["purpose_matches"]

test_denies_another_mode if decide(with_request({"access_mode": "anonymized_extract"})).reasons == ["mode_matches"]

test_denies_when_uses_are_spent if decide(with_contract({"uses": 10})).reasons == ["uses_left"]

test_denies_when_epsilon_would_exceed_the_budget if decide(with_request({"epsilon": 0.6})).reasons == ["privacy_budget_left"]

test_allows_spending_the_budget_exactly if decide(with_request({"epsilon": 0.5})).allow

test_denies_negative_epsilon if decide(with_request({"epsilon": -1})).reasons == ["privacy_budget_left"]

test_denies_a_small_cohort if decide(with_request({"cohort_size": 19})).reasons == ["cohort_large_enough"]

test_allows_no_cohort if decide(with_request({"cohort_size": null})).allow

test_missing_fields_fail_closed if {
	d := decide({"principal": {"id": "p-ins", "roles": ["insurer"]}})
	not d.allow
	count(d.reasons) == count(data.hnode.usage.check_names)
}

test_reports_every_failure if {
	d := decide(object.union(with_contract({"state": "REVOKED", "uses": 10}), {"now_us": 5000}))
	d.reasons == ["contract_active", "within_validity", "uses_left"]
}
