print("fuse: under construction")
