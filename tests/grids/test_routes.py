def test_top_level_and_children(login_as, make_user, tree):
    client = login_as(make_user())
    top = client.get("/grids").get_json()
    assert top["total"] == 1 and top["items"][0]["id"] == tree["street"].id
    assert top["items"][0]["has_children"] is True
    children = client.get(f"/grids?parent_id={tree['a'].id}").get_json()
    assert [g["name"] for g in children["items"]] == ["甲一微网格", "甲二微网格"]
    assert all(g["has_children"] is False for g in children["items"])


def test_grid_detail_shows_leader_units_and_ancestors(login_as, make_user, make_grid, tree):
    micro = make_grid(tree["a"], name="丙微网格", leader_name="王建华", leader_phone="13812345678",
                      party_org_type="党支部", party_org_name="丙党支部", units=[("物业", "丙物业"), ("城管", "城管中队")])
    body = login_as(make_user()).get(f"/grids/{micro.id}").get_json()
    assert body["leader"] == {"name": "王建华", "phone_masked": "138****5678"}
    assert body["party_org"] == {"type": "党支部", "name": "丙党支部"}
    assert [u["kind"] for u in body["member_units"]] == ["物业", "城管"]
    assert [a["id"] for a in body["ancestors"]] == [tree["street"].id, tree["a"].id]


def test_grids_need_login_and_unknown_grid_is_404(api, login_as, make_user):
    assert api.get("/grids").status_code == 401
    response = login_as(make_user()).get("/grids/424242")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_bad_paging_is_422(login_as, make_user):
    assert login_as(make_user()).get("/grids?page=0").status_code == 422


def test_stats_for_a_leader_of_the_grid_or_above(login_as, make_user, tree):
    make_user(roles=[("party_member", tree["a1"])], grid_id=tree["a1"].id)
    make_user(roles=[("party_member", tree["b1"])])
    leader = make_user(roles=[("grid_leader", tree["a"])])
    body = login_as(leader).get(f"/grids/{tree['a'].id}/stats").get_json()
    assert body["grid"]["id"] == tree["a"].id
    figures = body["sections"]["grids"]
    assert figures["grids_by_level"] == {"2": 1, "3": 2}
    assert figures["party_members"] == 1 and figures["residents_bound"] == 1 and figures["leaders"] == 1
    assert body["sections"]["points"] == {"awarded": 0, "awarded_this_month": 0, "members_with_points": 0}
    street = login_as(make_user(roles=[("street_admin", tree["street"])])).get(f"/grids/{tree['a1'].id}/stats")
    assert street.status_code == 200


def test_stats_refused_outside_ones_subtree(login_as, make_user, tree):
    leader_a = login_as(make_user(roles=[("grid_leader", tree["a"])]))
    assert leader_a.get(f"/grids/{tree['b'].id}/stats").status_code == 403
    assert leader_a.get(f"/grids/{tree['street'].id}/stats").status_code == 403
    resident = login_as(make_user(grid_id=tree["a1"].id))
    assert resident.get(f"/grids/{tree['a1'].id}/stats").status_code == 403
