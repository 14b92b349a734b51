# For OPA only (`opa test policies/`): runs the usage case table with `with input as`, which rego-cpp
# 1.x crashes on, so the embedded engine's bundle and test runner never load this directory.
package hnode.usage_opa_test

import rego.v1

import data.hnode.usage
import data.hnode.usage_test.cases

test_usage_cases if {
	every _, case in cases {
		d := usage.decision with input as case.input
		d == {"allow": count(case.reasons) == 0, "reasons": case.reasons}

		# `allow` counts passed checks: every name a rule adds must be one of check_names
		p := usage.passes with input as case.input
		count(p - {n | some n in usage.check_names}) == 0
	}
}
