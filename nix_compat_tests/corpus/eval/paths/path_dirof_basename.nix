baseNameOf (dirOf ./x/y/z.txt)
