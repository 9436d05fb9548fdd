"""réseau's bottom layer: the home folder, the errors a user can fix, the run lock and the
data contract's vocabulary. It imports nothing of réseau's other packages."""
