"""The marked-plot map kept with a commitment: a PNG that is not blank, with the plot drawn
where it lies (its fill colour inside the drawing area), a title in Chinese when the CJK
font is there, and drawn anyway without it; the printed commitment carries it."""

import pytest

from nongan.commitments import maps
from nongan.testing import make_plot, square

from .factories import sign, start
from .rendering import dark_share, page_image, page_text, png


def fill_share(image, box) -> float:
    region = image.crop(box)
    pixels = region.width * region.height
    return sum(n for n, colour in region.getcolors(pixels) if colour == maps.FILL) / pixels


def test_one_square_plot_fills_the_middle_of_the_map():
    image = png(maps.render([{"plot_no": "A-1", "geometry": square(121.7, 31.2, 100)}],
                            title="测试合作社 2027年度生产地块标记图"))
    assert image.size == maps.SIZE
    width, height = image.size
    middle = (width // 2 - 60, height // 2 - 40, width // 2 + 60, height // 2 + 40)
    assert fill_share(image, middle) > 0.8
    assert fill_share(image, (0, 0, 30, height)) == 0  # the margin stays plain
    assert dark_share(image) > 0.002  # outline, labels, scale bar, arrow


def test_two_plots_apart_are_both_drawn_left_and_right():
    west, east = square(121.70, 31.20, 100), square(121.71, 31.20, 100)
    image = png(maps.render([{"plot_no": "W", "geometry": west},
                             {"plot_no": "E", "geometry": east}]))
    width, height = image.size
    band = lambda x0, x1: fill_share(image, (x0, height // 2 - 20, x1, height // 2 + 20))  # noqa: E731
    assert band(40, 140) > 0.3 and band(width - 140, width - 40) > 0.3
    assert band(width // 2 - 50, width // 2 + 50) == 0  # the gap between them


@pytest.mark.skipif(not maps.CJK_FONT.exists(), reason="needs fonts-noto-cjk")
def test_the_title_is_written_in_chinese():
    plot = [{"plot_no": "1", "geometry": square(121.7, 31.2, 100)}]
    titled = png(maps.render(plot, title="测试合作社 生产地块标记图"))
    plain = png(maps.render(plot, title=""))
    header = (0, 0, maps.SIZE[0], maps.HEADER - 5)
    assert dark_share(titled.crop(header)) > dark_share(plain.crop(header)) + 0.005


def test_without_the_cjk_font_the_map_is_still_drawn(monkeypatch, tmp_path):
    monkeypatch.setattr(maps, "CJK_FONT", tmp_path / "missing.ttc")
    image = png(maps.render([{"plot_no": "A-1", "geometry": square(121.7, 31.2, 100)}],
                            title="测试合作社"))
    width, height = image.size
    assert fill_share(image, (width // 2 - 40, height // 2 - 30,
                              width // 2 + 40, height // 2 + 30)) > 0.8
    assert png(maps.render([])).size == maps.SIZE  # nothing to draw is not an error


def test_the_commitment_keeps_its_map_and_prints_it(world, api):
    start(world.pudong.district_officer)
    lon, lat = world.pudong.plot.geometry["coordinates"][0][0]
    extra = make_plot(world.pudong.the_producer, lon=lon + 0.002, lat=lat, side_m=150)
    c = sign(world.pudong.producer, world.pudong.the_producer, plots=[world.pudong.plot, extra])
    client = api(world.pudong.producer)
    answer = client.get(f"/commitments/{c.pk}/map.png")
    assert answer.status_code == 200
    image = png(b"".join(answer.streaming_content))
    assert fill_share(image, (0, 0) + image.size) > 0.05
    # the map is the one made at signing: redrawing the plot later does not change it
    from nongan.producers.services import reshape_plot

    reshape_plot(extra, {"geometry": square(121.75, 31.23, 300)}, actor=world.city_admin)
    again = png(b"".join(client.get(f"/commitments/{c.pk}/map.png").streaming_content))
    assert again.tobytes() == image.tobytes()
    pdf = client.get(f"/commitments/{c.pk}.pdf")
    assert pdf.status_code == 200
    assert dark_share(page_image(pdf.content)) > 0.02
    text = page_text(pdf.content)
    assert "农产品质量安全承诺书" in text and world.pudong.the_producer.name in text
    assert extra.plot_no in text
