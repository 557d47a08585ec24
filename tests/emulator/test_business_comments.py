"""Profile, video list (with the Live), comment list, reply (≤ 150 characters) and hide."""

from tests.emulator.conftest import Biz


def _videos(biz: Biz) -> list[dict]:
    fields = '["item_id","create_time","caption","share_url","media_type"]'
    body = biz.get("/business/video/list/", fields=fields)
    assert body["code"] == 0
    return body["data"]["videos"]


def test_video_list_has_six_videos_and_the_live(biz: Biz) -> None:
    biz.connect()
    videos = _videos(biz)
    assert len(videos) == 7
    assert all(len(v["item_id"]) == 19 and v["item_id"].isdigit() for v in videos)
    assert sorted(v["media_type"] for v in videos) == ["LIVE"] + ["VIDEO"] * 6
    assert set(videos[0]) == {"item_id", "create_time", "caption", "share_url", "media_type"}


def test_video_list_pages_with_cursor(biz: Biz) -> None:
    biz.connect()
    first = biz.get("/business/video/list/", max_count=4)["data"]
    assert len(first["videos"]) == 4
    assert first["has_more"] is True
    rest = biz.get("/business/video/list/", max_count=4, cursor=first["cursor"])["data"]
    assert len(rest["videos"]) == 3
    assert rest["has_more"] is False


def _comment_video(biz: Biz) -> str:
    """The seeded video that already has two comments."""
    videos = sorted(_videos(biz), key=lambda v: v["create_time"])
    return videos[0]["item_id"]


def test_comment_list_shape(biz: Biz) -> None:
    biz.connect()
    body = biz.get("/business/comment/list/", video_id=_comment_video(biz))
    assert body["code"] == 0
    comments = body["data"]["comments"]
    assert len(comments) == 2
    first = comments[0]
    assert isinstance(first["comment_id"], str)
    assert len(first["comment_id"]) == 19
    assert isinstance(first["create_time"], str)
    assert len(first["unique_identifier"]) == 64
    int(first["unique_identifier"], 16)
    assert first["status"] == "PUBLIC"
    assert body["data"]["has_more"] is False


def test_comment_list_needs_the_video_to_exist(biz: Biz) -> None:
    biz.connect()
    assert biz.get("/business/comment/list/", video_id="1234567890123456789")["code"] == 40007


def test_reply_up_to_150_characters(biz: Biz) -> None:
    biz.connect()
    video_id = _comment_video(biz)
    comment = biz.get("/business/comment/list/", video_id=video_id)["data"]["comments"][0]
    reply = {
        "business_id": biz.business_id,
        "video_id": video_id,
        "comment_id": comment["comment_id"],
        "text": "x" * 151,
    }
    assert biz.post("/business/comment/reply/create/", reply)["code"] == 40002
    reply["text"] = "y" * 150
    body = biz.post("/business/comment/reply/create/", reply)
    assert body["code"] == 0
    assert set(body["data"]) == {"comment_id", "video_id", "create_time", "text"}
    listed = biz.get("/business/comment/list/", video_id=video_id, include_replies="true")["data"][
        "comments"
    ]
    parent = next(c for c in listed if c["comment_id"] == comment["comment_id"])
    assert parent["replies"] == 1
    assert parent["reply_list"][0]["owner"] is True
    assert parent["reply_list"][0]["parent_comment_id"] == comment["comment_id"]


def test_reply_needs_comment_list_manage(biz: Biz) -> None:
    biz.connect(scopes=("video.list", "comment.list"))
    video_id = _comment_video(biz)
    comment = biz.get("/business/comment/list/", video_id=video_id)["data"]["comments"][0]
    reply = {
        "business_id": biz.business_id,
        "video_id": video_id,
        "comment_id": comment["comment_id"],
        "text": "Thanks!",
    }
    assert biz.post("/business/comment/reply/create/", reply)["code"] == 40001


def test_hide_and_unhide(biz: Biz) -> None:
    biz.connect()
    video_id = _comment_video(biz)
    comment = biz.get("/business/comment/list/", video_id=video_id)["data"]["comments"][0]
    hide = {
        "business_id": biz.business_id,
        "video_id": video_id,
        "comment_id": comment["comment_id"],
        "action": "HIDE",
    }
    assert biz.post("/business/comment/hide/", hide)["code"] == 0
    public = biz.get("/business/comment/list/", video_id=video_id, status="PUBLIC")
    assert comment["comment_id"] not in [c["comment_id"] for c in public["data"]["comments"]]
    everything = biz.get("/business/comment/list/", video_id=video_id, status="ALL")
    hidden = next(
        c for c in everything["data"]["comments"] if c["comment_id"] == comment["comment_id"]
    )
    assert hidden["status"] == "HIDDEN"
    hide["action"] = "UNHIDE"
    assert biz.post("/business/comment/hide/", hide)["code"] == 0
    public = biz.get("/business/comment/list/", video_id=video_id, status="PUBLIC")
    assert comment["comment_id"] in [c["comment_id"] for c in public["data"]["comments"]]


def test_control_api_comments_get_19_digit_ids_on_videos_and_the_live(biz: Biz) -> None:
    biz.connect()
    on_video = biz.control("/comments", {"viewer": "jess.glows", "text": "so pretty"})
    on_live = biz.control("/comments", {"viewer": "mali.skincare", "text": "hi!", "live": True})
    assert len(on_video["comment_id"]) == 19
    assert int(on_live["comment_id"]) == int(on_video["comment_id"]) + 1
    live = next(v for v in _videos(biz) if v["media_type"] == "LIVE")
    assert on_live["video_id"] == live["item_id"]
    listed = biz.get("/business/comment/list/", video_id=live["item_id"])["data"]["comments"]
    assert [c["text"] for c in listed] == ["hi!"]
