"""The README's demo runs through, step by step, and leaves nothing behind on its server."""

import re

from skyportal_client import demo


def test_the_demo_goes_through_every_step(capsys):
    demo.main()
    printed = capsys.readouterr().out
    assert re.findall(r"^(\d)\. sp\.", printed, re.M) == [str(step) for step in range(9)]
    assert "[api_photometry_post]" in printed and "[api_photometry_bulk_delete_upload_id_delete]\n   3\n" in printed
    assert printed.rstrip().endswith("0 point(s) left on ZTF21demoobj.")
