"${baseNameOf ./dir/file.txt}"
