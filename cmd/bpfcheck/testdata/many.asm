ld [0]
mod #3
ld M[1]
ret a
