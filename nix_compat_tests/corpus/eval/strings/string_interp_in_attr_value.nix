let v = "val"; in { a = "${v}"; b = "pre-${v}-post"; }
