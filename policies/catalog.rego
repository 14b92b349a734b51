# Catalog scope: who may see which data product.
package hnode.catalog

import rego.v1

check_names := ["product_visible"]

# staff see every product; a partner sees published products offered to one of its roles
passes("product_visible", inp) if {
	some role in inp.principal.roles
	role in data.hnode.staff_roles
}

passes("product_visible", inp) if {
	inp.product.status == "published"
	some role in inp.principal.roles
	role in inp.product.visible_to
}

# an array in check order, not a sorted set: rego-cpp 1.x compares sort(set) results wrongly
failures(inp) := [name |
	some name in check_names
	not passes(name, inp)
]

decide(inp) := {"allow": count(f) == 0, "reasons": f} if {
	f := failures(inp)
}

decision := decide(input)
