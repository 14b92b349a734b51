package hnode.catalog_test

import rego.v1

import data.hnode.catalog.decide

product := {"status": "published", "visible_to": ["researcher"]}

test_partner_sees_a_product_offered_to_its_role if {
	decide({"principal": {"roles": ["researcher"]}, "product": product}).allow
}

test_partner_does_not_see_a_product_for_other_roles if {
	decide({"principal": {"roles": ["insurer"]}, "product": product}).reasons == ["product_visible"]
}

test_partner_does_not_see_a_draft if {
	not decide({"principal": {"roles": ["researcher"]}, "product": object.union(product, {"status": "draft"})}).allow
}

test_staff_see_drafts if {
	decide({"principal": {"roles": ["data_officer"]}, "product": object.union(product, {"status": "draft"})}).allow
}

test_no_principal_fails_closed if not decide({"product": product}).allow
