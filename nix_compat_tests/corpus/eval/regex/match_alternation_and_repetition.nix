with builtins; [ (match "(ab|cd){2,3}" "abcdab") (match "(ab|cd){2,3}" "ab") (match "a{3}" "aaa") (match "a+b*c?" "aaab") ]
