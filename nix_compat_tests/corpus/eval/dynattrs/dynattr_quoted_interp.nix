let k = "key"; in { "${k}" = "v"; }
