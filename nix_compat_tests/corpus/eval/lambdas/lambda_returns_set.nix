(x: { value = x; double = x * 2; }) 4
