"""Source files in the encoding their coding comment names (PEP 263), read and written back."""

from __future__ import annotations

import pytest

from kerasmagic.source_encoding import decoded, encoded

GBK = "# coding=gbk\nx = '中文'\n"


def test_a_file_is_decoded_in_the_encoding_it_declares() -> None:
    assert decoded(GBK.encode("gbk")) == GBK
    assert decoded("x = 'é'\n".encode()) == "x = 'é'\n"  # no coding line: UTF-8
    with pytest.raises((SyntaxError, UnicodeDecodeError)):
        decoded("x = '中文'\n".encode("gbk"))  # GBK bytes under no coding line


def test_text_is_encoded_in_the_encoding_it_declares() -> None:
    assert encoded(GBK) == GBK.encode("gbk")
    assert encoded("#!/usr/bin/env python\n# -*- coding: latin-1 -*-\ns = 'é'\n").endswith("'\xe9'\n".encode("latin-1"))  # fmt: skip
    assert encoded("s = '中文'\n") == "s = '中文'\n".encode()
    assert encoded("# coding=no-such-codec\ns = 'é'\n") == "# coding=no-such-codec\ns = 'é'\n".encode()  # fmt: skip
