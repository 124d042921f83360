[ "# not a comment" "/* not a comment */" ]
