import ohmslice


def test_public_api_resolves():
    for name in ohmslice.__all__:
        assert getattr(ohmslice, name) is not None, name
