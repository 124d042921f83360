let p = "pre"; in { "${p}-fix" = 1; "${p}${p}" = 2; }
