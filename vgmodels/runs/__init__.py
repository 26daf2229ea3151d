"""Many runs at once: the one Ray queue, the runs folder and the one resume rule."""
