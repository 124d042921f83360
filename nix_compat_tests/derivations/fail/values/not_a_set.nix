# derivation requires a set.
derivation "not a set"
