"prefix-" + baseNameOf ./something.txt
