''hello world''
