print("starlingd")
