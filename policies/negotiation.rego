# Negotiation scope: which terms a partner may obtain for which product and grade.
# Input: {"principal": {"id", "roles"}, "product": {"status", "access_mode", "level", "visible_to",
#         "offer": {...}}, "terms": {...}}. Durations and times are integer microseconds.
package hnode.negotiation

import rego.v1

check_names := [
	"product_visible",
	"partner_role",
	"purpose_allowed_for_role",
	"purpose_offered",
	"mode_matches_product",
	"mode_allowed_for_grade",
	"row_level_allowed_for_role",
	"period_valid",
	"period_within_offer",
	"uses_within_offer",
	"epsilon_within_offer",
	"cohort_at_least_offer",
	"k_at_least_offer",
	"prohibitions_present",
]

grade(inp) := data.hnode.grades[format_int(inp.product.level, 10)]

passes("product_visible", inp) if {
	inp.product.status == "published"
	data.hnode.catalog.passes("product_visible", inp)
}

passes("partner_role", inp) if {
	some role in inp.principal.roles
	role in data.hnode.partner_roles
}

passes("purpose_allowed_for_role", inp) if {
	some role in inp.principal.roles
	role in data.hnode.purposes[inp.terms.purpose].roles
}

passes("purpose_offered", inp) if count(inp.product.offer.purposes) == 0

passes("purpose_offered", inp) if inp.terms.purpose in inp.product.offer.purposes

passes("mode_matches_product", inp) if inp.terms.access_mode == inp.product.access_mode

passes("mode_allowed_for_grade", inp) if inp.terms.access_mode in grade(inp).modes

# insurers never get row-level data of level 3 and above; nobody gets rows of level 5, and of level 4
# only researchers a de-identified research dataset
passes("row_level_allowed_for_role", inp) if not inp.terms.access_mode in data.hnode.row_level_modes

passes("row_level_allowed_for_role", inp) if {
	inp.terms.access_mode in data.hnode.row_level_modes
	count(partner_roles(inp)) > 0
	every role in partner_roles(inp) {
		role in row_level_roles(inp)
	}
}

# a research dataset is de-identified across its tables (k per person): researchers may receive one of
# level 4 data after ethics review; other row-level modes follow the grade's row-level roles
row_level_roles(inp) := grade(inp).research_dataset_roles if inp.terms.access_mode == "research_dataset"

row_level_roles(inp) := grade(inp).row_level_roles if inp.terms.access_mode != "research_dataset"

partner_roles(inp) := {role |
	some role in inp.principal.roles
	role in data.hnode.partner_roles
}

passes("period_valid", inp) if inp.terms.valid_to_us > inp.terms.valid_from_us

passes("period_within_offer", inp) if {
	inp.terms.valid_to_us - inp.terms.valid_from_us <= inp.product.offer.max_days * 86400000000
}

passes("uses_within_offer", inp) if {
	inp.terms.max_uses >= 1
	inp.terms.max_uses <= inp.product.offer.max_uses
}

passes("epsilon_within_offer", inp) if {
	inp.terms.epsilon >= 0
	inp.terms.epsilon <= inp.product.offer.epsilon
}

passes("cohort_at_least_offer", inp) if inp.terms.min_cohort >= inp.product.offer.min_cohort

# k-anonymity only concerns rows that leave
passes("k_at_least_offer", inp) if not inp.terms.access_mode in data.hnode.row_level_modes

passes("k_at_least_offer", inp) if inp.terms.k >= inp.product.offer.k

passes("prohibitions_present", inp) if {
	every p in data.hnode.required_prohibitions {
		p in inp.terms.prohibitions
	}
}

# an array in check order, not a sorted set: rego-cpp 1.x compares sort(set) results wrongly
failures(inp) := [name |
	some name in check_names
	not passes(name, inp)
]

decide(inp) := {
	"allow": count(f) == 0,
	"reasons": f,
	"obligations": {"ethics_review": grade(inp).ethics_review},
} if {
	f := failures(inp)
}

# an unknown level has no grade: the decision is undefined, which callers treat as a denial
decision := decide(input)
