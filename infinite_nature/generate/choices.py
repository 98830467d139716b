"""What ``generate`` offers by name, kept free of torch so the command line's help is instant."""

PATHS = ("autopilot", "straight", "orbit")  # camera controllers (generate.run.make_controller); or a keyframe FILE.json
FORMATS = ("mp4", "webm", "gif", "png")  # outputs (generate.video); png = a folder of frames
DEFAULT_FORMAT = "mp4"
MAX_MEANDER = 0.5  # the auto-pilot's aim (x in frame widths, camera/autopilot.py) swings at most to the frame's edge
PRECISIONS = ("float32", "bfloat16", "float16")  # network precision, by torch dtype name
DEFAULT_MAX_PIXELS = 50_000_000  # larger input photos are refused (decompression bombs)
