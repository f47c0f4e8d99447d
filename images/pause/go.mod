module arkouda-workflows/images/pause

go 1.26.0
