module mlk.local/test-images/pause

go 1.19
