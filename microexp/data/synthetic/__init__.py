"""A synthetic CASME II, written in exactly the real layout and read by the real reader.

Each subject is a different procedurally drawn face; each clip has a neutral lead-in and tail and
one micro-expression (a class-specific, local, AU-like displacement of 0.3-1.5 px at 64x64 along
an onset -> apex -> offset curve) among blinks, head drift, lighting flicker and sensor noise.
Generation is seeded and byte-reproducible::

    OUT/CASME2-coding-20140508.xlsx            the coding sheet (real column layout)
    OUT/Cropped/subNN/EPxx_yy[f]/reg_imgN.jpg  cropped faces, absolute unpadded frame numbers
    OUT/CASME2_RAW_selected/...                (trees raw|both) 640x480 raw frames, imgN.jpg
    OUT/masks/subNN/EPxx_yy[f].png             ground-truth moving regions (tests only)
    OUT/preview.png                            onset, apex and amplified difference of a few clips
    OUT/synthetic.json                         the generator's parameters

``generate_videos`` writes long videos (the MEGC spotting task) in the CAS(ME)^2 or SAMM
long-videos layout: a few minutes per video of a face with micro- and macro-expressions among
blinks, slow head motion and talking, the release's workbook and quirks, and the plan beside it.

The other releases (SAMM, SMIC-HS, CASME, CAS(ME)^3 and the MEGC 2019 composite) have their own
writers on the same face, motion and render code: see :mod:`microexp.data.synthetic.releases`.
"""

from microexp.data.synthetic.generator import generate, plan
from microexp.data.synthetic.long_generator import generate_videos
from microexp.data.synthetic.motion import Distractors
from microexp.data.synthetic.render import ClipSpec, render_clip

__all__ = ["ClipSpec", "Distractors", "generate", "generate_videos", "plan", "render_clip"]
