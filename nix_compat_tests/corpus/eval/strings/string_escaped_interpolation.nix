"\${not} \${interpolated}"
