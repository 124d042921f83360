let n = "file"; in baseNameOf ./dir/${n}.txt
