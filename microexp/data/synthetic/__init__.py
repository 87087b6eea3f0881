"""A synthetic CASME II as released, written in exactly the real layout and read by the real
reader.

Each subject is a different procedurally drawn face on a non-square crop; each clip folder
holds exactly onset..offset (200 fps, the apex anywhere inside) of one micro-expression: a
random part of its emotion's facial actions, each region with its own amplitude and direction
(sub-pixel to about 2 px at 64x64), among blinks, head drift, lighting flicker and sensor
noise that happen during the expression too. Subjects and classes are as uneven as the
release's (255 clips, 26 subjects); the release's row errors are planted. Generation is seeded
and byte-reproducible::

    OUT/CASME2-coding-20140508.xlsx            the coding sheet (real column layout)
    OUT/Cropped/subNN/EPxx_yy[f]/reg_imgN.jpg  cropped faces, absolute unpadded frame numbers
    OUT/CASME2_RAW_selected/...                (trees raw|both) 640x480 raw frames, imgN.jpg
    OUT/masks/subNN/EPxx_yy[f].png             ground-truth moving regions (tests only)
    OUT/preview.png                            onset, apex and amplified difference per class
    OUT/synthetic.json                         the parameters and every clip's ground truth

``generate_videos`` writes long videos (the MEGC spotting task) in the CAS(ME)^2 or SAMM
long-videos layout: a few minutes per video of a face with micro- and macro-expressions among
blinks, slow head motion and talking, the release's workbook and quirks, and the plan beside it.

The other releases (SAMM, SMIC-HS, CASME, CAS(ME)^3 and the MEGC 2019 composite) have their own
writers on the same face, motion and render code: see :mod:`microexp.data.synthetic.releases`.
"""

from microexp.data.synthetic.casme2 import plan_casme2
from microexp.data.synthetic.generator import generate
from microexp.data.synthetic.long_generator import generate_videos
from microexp.data.synthetic.motion import Distractors
from microexp.data.synthetic.render import ClipSpec, render_clip

__all__ = [
    "ClipSpec",
    "Distractors",
    "generate",
    "generate_videos",
    "plan_casme2",
    "render_clip",
]
