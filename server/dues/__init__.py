"""Dues (党费, SPEC system 8): the standard, payments, arrears, remittance and publication."""
