from hotline.ticketing.codes import is_valid_code, luhn_check_digit, new_code


def test_new_codes_are_valid_digits_of_the_right_length():
    codes = {new_code() for _ in range(500)}
    assert len(codes) > 490
    assert all(len(c) == 8 and c.isdigit() and c[0] != "0" and is_valid_code(c) for c in codes)


def test_the_check_digit_catches_a_single_mistyped_digit_and_a_swap():
    code = "26112029"
    assert is_valid_code(code)
    for i in range(8):
        for d in "0123456789":
            if d != code[i]:
                assert not is_valid_code(code[:i] + d + code[i + 1:])
    assert not is_valid_code("26112092")  # last two swapped


def test_malformed_input_is_not_a_code():
    for bad in ["", "2611202", "261120290", "2611202a", "########"]:
        assert not is_valid_code(bad)
    assert luhn_check_digit("7992739871") == "3"  # the classic Luhn example


def test_export_cells_that_a_spreadsheet_would_run_are_written_as_text():
    from hotline.reports.export import _safe

    for hostile in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1", " =1+1",
                    "\uff1d1+1"):
        assert _safe(hostile) == "'" + hostile, hostile
    for fine in ("Đèn đường hỏng", "0912345678", 42, None, "a=b"):
        assert _safe(fine) == fine


def test_logs_show_phone_numbers_and_codes_masked():
    from hotline.security.masking import mask_code, mask_phone

    assert mask_phone("0912345678") == "091****678" and mask_phone("+84 912 345 678") == "849*****678"
    assert mask_code("26112029") == "26*****9"
    assert mask_phone(None) == "" and mask_code("") == ""
