package hnode.usage_test

import rego.v1

import data.hnode.usage

contract := {
	"partner_id": "p-ins", "state": "ACTIVE", "valid_from_us": 1000, "valid_to_us": 2000,
	"purpose": "claims_verification", "access_mode": "aggregate_query", "uses": 3, "max_uses": 10,
	"epsilon": 1.0, "epsilon_spent": 0.5, "min_cohort": 20,
	"product_id": "pd_a", "asset_ids": ["as_1", "as_2"],
}

product := {"id": "pd_a", "status": "published", "access_mode": "aggregate_query", "asset_ids": ["as_1", "as_2"]}

ok := {
	"principal": {"id": "p-ins", "roles": ["insurer"]}, "contract": contract, "product": product, "now_us": 1500,
	"request": {
		"purpose": "claims_verification", "access_mode": "aggregate_query", "epsilon": 0.25, "cohort_size": 50,
		"consent": null,
	},
}

psi := object.union(with_contract({"access_mode": "psi"}), {
	"product": object.union(product, {"access_mode": "psi"}),
	"request": object.union(ok.request, {"access_mode": "psi"}),
})

settlement := object.union(with_contract({"access_mode": "settlement"}), {
	"product": object.union(product, {"access_mode": "settlement"}),
	"request": object.union(ok.request, {"access_mode": "settlement", "cohort_size": null}),
})

with_claim_consent(facts) := object.union(settlement, {"request": object.union(settlement.request, {"consent": facts})})

with_consent(facts) := object.union(psi, {"request": object.union(psi.request, {"consent": facts})})

with_contract(patch) := object.union(ok, {"contract": object.union(contract, patch)})

with_product(patch) := object.union(ok, {"product": object.union(product, patch)})

with_request(patch) := object.union(ok, {"request": object.union(ok.request, patch)})

# The usage policy reads `input` directly (its hot path), so its tests are a table: each case an input
# and the reasons the decision must give, [] meaning allowed. tests/unit/test_rego_policies.py runs
# every case through the embedded engine (set the input, ask data.hnode.usage.decision); under
# `opa test policies/`, opa/usage_cases_test.rego does the same with `with input as`, kept in its own
# directory because rego-cpp 1.x crashes on any module that contains `with`.
cases := {
	"allows_an_active_contract_within_all_limits": {"input": ok, "reasons": []},
	"denies_a_contract_not_active": {"input": with_contract({"state": "SIGNED"}), "reasons": ["contract_active"]},
	"denies_another_partner": {
		"input": object.union(ok, {"principal": {"id": "p-other", "roles": ["insurer"]}}),
		"reasons": ["requester_is_party"],
	},
	"denies_staff_acting_without_the_partner": {
		"input": object.union(ok, {"principal": {"id": "s-officer", "roles": ["data_officer"]}}),
		"reasons": ["requester_is_party"],
	},
	"allows_the_node_acting_for_the_partner": {
		"input": object.union(ok, {"principal": {"id": "n-fl-client", "roles": ["hospital"]}}),
		"reasons": [],
	},
	"denies_before_valid_from": {"input": object.union(ok, {"now_us": 999}), "reasons": ["within_validity"]},
	"denies_at_valid_to": {"input": object.union(ok, {"now_us": 2000}), "reasons": ["within_validity"]},
	"denies_another_purpose": {
		"input": with_request({"purpose": "underwriting_risk_model"}),
		"reasons": ["purpose_matches"],
	},
	"denies_another_mode": {"input": with_request({"access_mode": "anonymized_extract"}), "reasons": ["mode_matches"]},
	"denies_when_uses_are_spent": {"input": with_contract({"uses": 10}), "reasons": ["uses_left"]},
	"denies_when_epsilon_would_exceed_the_budget": {
		"input": with_request({"epsilon": 0.6}),
		"reasons": ["privacy_budget_left"],
	},
	"allows_spending_the_budget_exactly": {"input": with_request({"epsilon": 0.5}), "reasons": []},
	"denies_negative_epsilon": {"input": with_request({"epsilon": -1}), "reasons": ["privacy_budget_left"]},
	"denies_a_small_cohort": {"input": with_request({"cohort_size": 19}), "reasons": ["cohort_large_enough"]},
	"allows_no_cohort": {"input": with_request({"cohort_size": null}), "reasons": []},
	"missing_fields_fail_closed": {
		"input": {"principal": {"id": "p-ins", "roles": ["insurer"]}},
		"reasons": usage.check_names,
	},
	"denies_without_the_product": {
		"input": object.union(ok, {"product": null}),
		"reasons": ["product_in_force", "assets_covered"],
	},
	"denies_a_product_other_than_the_contracts": {
		"input": with_product({"id": "pd_b"}),
		"reasons": ["product_in_force"],
	},
	"denies_a_retired_product": {"input": with_product({"status": "retired"}), "reasons": ["product_in_force"]},
	"denies_a_draft_product": {"input": with_product({"status": "draft"}), "reasons": ["product_in_force"]},
	"denies_a_product_now_offered_for_another_mode": {
		"input": with_product({"access_mode": "anonymized_extract"}),
		"reasons": ["product_in_force"],
	},
	"denies_a_product_that_reads_an_asset_not_signed": {
		"input": with_product({"asset_ids": ["as_1", "as_3"]}),
		"reasons": ["assets_covered"],
	},
	"denies_a_product_without_assets": {"input": with_product({"asset_ids": []}), "reasons": ["assets_covered"]},
	"allows_a_product_reading_fewer_assets_than_signed": {
		"input": with_product({"asset_ids": ["as_2"]}),
		"reasons": [],
	},
	"denies_psi_without_consent_facts": {"input": psi, "reasons": ["consent_given"]},
	"denies_a_claim_without_consent_facts": {"input": settlement, "reasons": ["consent_given"]},
	"denies_a_claim_for_a_patient_without_consent": {
		"input": with_claim_consent({"required": true, "subjects": 1, "without_consent": 1, "excluded": false}),
		"reasons": ["consent_given"],
	},
	"allows_a_claim_for_a_consenting_patient": {
		"input": with_claim_consent({"required": true, "subjects": 1, "without_consent": 0, "excluded": false}),
		"reasons": [],
	},
	"allows_psi_when_the_product_needs_no_consent": {
		"input": with_consent({"required": false, "subjects": 500, "without_consent": 500, "excluded": false}),
		"reasons": [],
	},
	"allows_psi_leaving_out_patients_without_consent": {
		"input": with_consent({"required": true, "subjects": 500, "without_consent": 300, "excluded": true}),
		"reasons": [],
	},
	"denies_psi_when_no_patient_consents": {
		"input": with_consent({"required": true, "subjects": 500, "without_consent": 500, "excluded": true}),
		"reasons": ["consent_given"],
	},
	"denies_a_linked_patient_without_consent": {
		"input": with_consent({"required": true, "subjects": 1, "without_consent": 1, "excluded": false}),
		"reasons": ["consent_given"],
	},
	"allows_a_linked_patient_who_consents": {
		"input": with_consent({"required": true, "subjects": 1, "without_consent": 0, "excluded": false}),
		"reasons": [],
	},
	"denies_when_some_linked_patients_lack_consent_and_are_not_left_out": {
		"input": with_consent({"required": true, "subjects": 3, "without_consent": 1, "excluded": false}),
		"reasons": ["consent_given"],
	},
	"denies_a_missing_consent_field": {
		"input": object.union(ok, {"request": object.remove(ok.request, ["consent"])}),
		"reasons": ["consent_given"],
	},
	"reports_every_failure": {
		"input": object.union(with_contract({"state": "REVOKED", "uses": 10}), {"now_us": 5000}),
		"reasons": ["contract_active", "within_validity", "uses_left"],
	},
}
