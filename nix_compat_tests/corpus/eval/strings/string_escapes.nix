"tab:\t nl:\n cr:\r bs:\\ dq:\" dollar:\$ brace:\${x}"
