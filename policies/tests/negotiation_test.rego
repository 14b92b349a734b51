package hnode.negotiation_test

import rego.v1

import data.hnode.negotiation.decide

offer := {"purposes": [], "max_uses": 100, "max_days": 365, "epsilon": 3.0, "min_cohort": 20, "k": 5}

day_us := 86400000000

terms := {
	"purpose": "clinical_research", "access_mode": "anonymized_extract", "valid_from_us": 0,
	"valid_to_us": 30 * day_us, "max_uses": 10, "epsilon": 1.0, "min_cohort": 20, "k": 5,
	"prohibitions": ["re_identification", "onward_transfer"],
}

base := {
	"principal": {"id": "p-res", "roles": ["researcher"]},
	"product": {"status": "published", "access_mode": "anonymized_extract", "level": 3, "visible_to": ["researcher", "insurer"], "offer": offer},
	"terms": terms,
}

with_terms(patch) := object.union(base, {"terms": object.union(terms, patch)})

with_product(patch) := object.union(base, {"product": object.union(base.product, patch)})

as_insurer(inp) := object.union(inp, {"principal": {"id": "p-ins", "roles": ["insurer"]}})

test_researcher_obtains_an_extract_of_level_3 if decide(base) == {"allow": true, "reasons": [], "obligations": {"ethics_review": false}}

test_insurer_never_gets_rows_of_level_3 if {
	d := decide(as_insurer(with_terms({"purpose": "claims_verification"})))
	d.reasons == ["row_level_allowed_for_role"]
}

test_insurer_gets_rows_of_level_2 if decide(as_insurer(object.union(with_terms({"purpose": "claims_verification"}), {"product": object.union(base.product, {"level": 2})}))).allow

test_level_4_rows_never_leave if {
	d := decide(with_product({"level": 4}))
	"mode_allowed_for_grade" in d.reasons
	"row_level_allowed_for_role" in d.reasons
}

test_level_5_rows_never_leave if not decide(with_product({"level": 5})).allow

test_level_4_research_needs_ethics if {
	inp := object.union(with_product({"level": 4, "access_mode": "federated_training"}), {"terms": object.union(terms, {"access_mode": "federated_training"})})
	d := decide(inp)
	d.allow
	d.obligations.ethics_review
}

research_dataset(level) := object.union(
	with_product({"level": level, "access_mode": "research_dataset"}),
	{"terms": object.union(terms, {"access_mode": "research_dataset", "purpose": "drug_research"})},
)

test_researcher_obtains_a_research_dataset_of_level_4_after_ethics if {
	d := decide(research_dataset(4))
	d.allow
	d.obligations.ethics_review
}

test_insurer_never_gets_a_research_dataset if {
	d := decide(as_insurer(object.union(research_dataset(3), {"terms": object.union(research_dataset(3).terms, {"purpose": "claims_verification"})})))
	"row_level_allowed_for_role" in d.reasons
}

test_research_dataset_of_level_5_never_leaves if {
	d := decide(research_dataset(5))
	"mode_allowed_for_grade" in d.reasons
	"row_level_allowed_for_role" in d.reasons
}

test_research_dataset_needs_k_of_the_offer if decide(object.union(research_dataset(4), {"terms": object.union(research_dataset(4).terms, {"k": 2})})).reasons == ["k_at_least_offer"]

test_unknown_level_is_undefined if not decide(with_product({"level": 9}))

test_purpose_of_another_role if decide(with_terms({"purpose": "underwriting_risk_model"})).reasons == ["purpose_allowed_for_role"]

test_unknown_purpose if decide(with_terms({"purpose": "marketing"})).reasons == ["purpose_allowed_for_role"]

test_purpose_not_in_the_offer if {
	decide(with_product({"offer": object.union(offer, {"purposes": ["drug_research"]})})).reasons == ["purpose_offered"]
}

test_mode_other_than_the_product if decide(with_terms({"access_mode": "he_query"})).reasons == ["mode_matches_product"]

test_period_reversed if decide(with_terms({"valid_to_us": 0})).reasons == ["period_valid"]

test_period_longer_than_offered if decide(with_terms({"valid_to_us": 366 * day_us})).reasons == ["period_within_offer"]

test_more_uses_than_offered if decide(with_terms({"max_uses": 101})).reasons == ["uses_within_offer"]

test_zero_uses if decide(with_terms({"max_uses": 0})).reasons == ["uses_within_offer"]

test_more_epsilon_than_offered if decide(with_terms({"epsilon": 3.5})).reasons == ["epsilon_within_offer"]

test_smaller_cohort_than_offered if decide(with_terms({"min_cohort": 10})).reasons == ["cohort_at_least_offer"]

test_smaller_k_than_offered if decide(with_terms({"k": 2})).reasons == ["k_at_least_offer"]

test_k_does_not_matter_without_rows if {
	inp := object.union(with_product({"access_mode": "he_query"}), {"terms": object.union(terms, {"access_mode": "he_query", "k": 0})})
	decide(inp).allow
}

test_missing_prohibition if decide(with_terms({"prohibitions": ["re_identification"]})).reasons == ["prohibitions_present"]

test_unpublished_product if decide(with_product({"status": "draft"})).reasons == ["product_visible"]

test_product_not_offered_to_the_role if decide(with_product({"visible_to": ["insurer"]})).reasons == ["product_visible"]

test_staff_cannot_contract if {
	d := decide(object.union(base, {"principal": {"id": "s-1", "roles": ["data_officer"]}}))
	"partner_role" in d.reasons
}
