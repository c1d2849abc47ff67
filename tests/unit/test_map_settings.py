"""The maps' settings ([maps] in hotline.toml): the tile server as a URL template, checked when
the settings are read with errors naming the file and the field; the one origin pages may load
images from; the default is OpenStreetMap's server with its attribution."""

import pytest

from hotline.errors import ConfigError
from hotline.public.icons import icon, png, solid_png
from hotline.settings import Maps, load_settings


def test_the_default_is_openstreetmap_with_its_attribution():
    m = Maps()
    assert m.tiles == "https://tile.openstreetmap.org/{z}/{x}/{y}.png" and "OpenStreetMap" in m.attribution
    assert m.origin == "https://tile.openstreetmap.org"
    assert Maps(tiles="https://{s}.tiles.example.vn/{z}/{x}/{y}.png").origin == "https://*.tiles.example.vn"
    assert Maps(tiles="http://127.0.0.1:8099/tiles/{z}/{x}/{y}.png").origin == "http://127.0.0.1:8099"


def test_an_installation_points_at_its_own_tile_server(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_SETTINGS_FILE", raising=False)
    (tmp_path / "hotline.toml").write_text('[maps]\ntiles = "https://bando.dongthap.gov.vn/{z}/{x}/{y}.png"\n'
                                           'attribution = "© Sở Nông nghiệp và Môi trường"\ncenter = [10.3, 105.7]\n',
                                           encoding="utf-8")
    maps = load_settings(tmp_path).maps
    assert maps.public() == {"tiles": "https://bando.dongthap.gov.vn/{z}/{x}/{y}.png",
                             "attribution": "© Sở Nông nghiệp và Môi trường", "max_zoom": 19,
                             "center": [10.3, 105.7], "zoom": 11}


@pytest.mark.parametrize("line, said", [
    ('tiles = "https://tile.example.vn/{z}/{x}.png"', r"field 'maps.tiles': .*no \{y\}"),
    ('tiles = "javascript:alert(1)//{z}/{x}/{y}"', r"field 'maps.tiles': .*http\(s\) URL template"),
    ('tiles = "https://t.example.vn/{z}/{x}/{y}.png\\" onerror=\\"x"', r"field 'maps.tiles'"),
    ('attribution = "<script>x</script>"', r"field 'maps.attribution'"),
    ("center = [100, 105]", r"field 'maps.center'"),
    ("max_zoom = 30", r"field 'maps.max_zoom'"),
])
def test_a_bad_map_setting_is_named_with_its_file_and_field(tmp_path, monkeypatch, line, said):
    monkeypatch.delenv("HOTLINE_SETTINGS_FILE", raising=False)
    (tmp_path / "hotline.toml").write_text(f"[maps]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="hotline.toml: " + said):
        load_settings(tmp_path)


def test_the_icons_are_pngs_of_their_size():
    for size in (192, 512):
        data = icon(size)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == size
    assert solid_png(2, 1, (1, 2, 3))[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        png(2, 2, [b"\0" * 6])
    with pytest.raises(ValueError):
        icon(64)
