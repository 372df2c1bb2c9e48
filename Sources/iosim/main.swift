print("iosim")
