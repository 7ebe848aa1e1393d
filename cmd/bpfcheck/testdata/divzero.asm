ld [0]
div #0
ret a
