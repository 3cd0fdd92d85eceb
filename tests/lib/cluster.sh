# Sourced by tests/lib.sh and bench/lib.sh: the simulated clusters both
# write.

# rtx_cluster COUNT CPU MEMORY <REST: an ailab-kubesim cluster file on
# standard output: COUNT nodes of 8 RTX4090D GPUs (label gpu-model) with
# CPU cores and MEMORY each, then REST (namespaces, users...) as read.
rtx_cluster() {
	printf '%s\n' 'nodeGroups:' \
	    "- {count: $1, namePrefix: n-, gpu: NVIDIA-GeForce-RTX-4090-D, gpuCount: 8," \
	    "   gpuFamily: ada-lovelace, computeMajor: 8, computeMinor: 9, cpu: '$2'," \
	    "   memory: $3, labels: {gpu-model: RTX4090D}}"
	cat
}
