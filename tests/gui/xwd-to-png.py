#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""xwd-to-png.py IN.xwd OUT.png [X,Y,W,H]: an xwd screenshot of a 24- or
32-bit TrueColor screen (Xvfb's) as PNG, cropped to X,Y,W,H"""
import struct
import sys

from PIL import Image

data = open(sys.argv[1], "rb").read()
fields = struct.unpack(">25I", data[:100])
header_size, width, height, bytes_per_line, colors = fields[0], fields[4], fields[5], fields[12], fields[19]
offset = header_size + colors * 12
image = Image.frombytes("RGBX", (width, height), data[offset:offset + bytes_per_line * height],
                        "raw", "BGRX", bytes_per_line)
if len(sys.argv) > 3:
    x, y, w, h = map(int, sys.argv[3].split(","))
    image = image.crop((x, y, x + w, y + h))
image.convert("RGB").save(sys.argv[2])
