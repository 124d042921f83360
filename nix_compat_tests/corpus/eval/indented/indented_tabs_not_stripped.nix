''
	ab
	cd
''
