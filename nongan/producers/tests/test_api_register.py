from nongan.testing import PLACES, square, uscc


def test_an_officer_registers_a_producer_and_reads_it_back(world, api):
    officer = api(world.pudong.district_officer)
    body = {"name": "川沙蔬菜合作社", "kind": "cooperative", "uscc": uscc(area="310115"),
            "legal_rep": "李四", "village": PLACES["pudong"][2], "area_mu": "35.5",
            "products": "青菜:上海青;番茄:粉果,红果"}
    created = officer.post("/producers", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["is_scale"] is True
    assert data["grid"] == f"G{PLACES['pudong'][2]}"
    assert data["products"][1] == {"name": "番茄", "varieties": ["粉果", "红果"]}
    assert officer.get(f"/producers/{data['id']}").json()["name"] == "川沙蔬菜合作社"


def test_it_names_every_bad_field(world, api):
    officer = api(world.pudong.district_officer)
    response = officer.post("/producers", {"name": "", "kind": "farm", "uscc": "123",
                                           "village": "310151101201", "area_mu": "x"})
    assert response.status_code == 422
    fields = {item["loc"][-1] for item in response.json()["detail"]}
    assert {"name", "kind", "uscc", "village", "area_mu", "legal_rep"} <= fields


def test_plot_area_is_measured(world, api):
    officer = api(world.pudong.district_officer)
    producer = world.pudong.the_producer
    response = officer.post(f"/producers/{producer.pk}/plots",
                            {"geometry": square(121.75, 31.10, 200), "crop": "水稻"})
    assert response.status_code == 201, response.content
    assert abs(response.json()["area_mu"] - 60.0) < 0.5  # 200 m × 200 m = 60 mu


def test_another_districts_producer_is_not_found(world, api):
    officer = api(world.pudong.district_officer)
    other = world.chongming.the_producer
    assert officer.get(f"/producers/{other.pk}").status_code == 404
    assert officer.get(f"/producers/{other.pk}/plots").status_code == 404
    assert officer.get(f"/plots/{world.chongming.plot.pk}").status_code == 404
