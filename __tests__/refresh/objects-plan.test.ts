/**
 * Unit tests for the pure planning of the object refresh (plan.ts): what to copy, skip and
 * delete from two listings. No S3 involved: the decisions are data in, data out.
 */
import { copyReason, inScope, listingPrefixes, planSync, type ListedObject } from "../../scripts/refresh/objects/plan";

const object = (key: string, size: number, etag: string, lastModified = 1_000): ListedObject => ({ key, size, etag, lastModified });

describe("object sync planning (unit)", () => {
  test("size first, then plain ETags, else last-modified newer", () => {
    // GIVEN pairs of source/destination objects
    const md5a = "0cc175b9c0f1b6a831c399e269772661";
    const md5b = "92eb5ffee6ae2fec3ad71c777531578f";

    // THEN the reasons follow the documented order
    expect(copyReason(object("k", 1, md5a), undefined)).toBe("missing");
    expect(copyReason(object("k", 2, md5a), object("k", 1, md5a))).toBe("size");
    expect(copyReason(object("k", 1, md5b), object("k", 1, md5a))).toBe("etag");
    expect(copyReason(object("k", 1, md5a), object("k", 1, md5a))).toBeUndefined();
    // multipart ETags are not MD5s: same size, different ETag → only a newer source is copied
    expect(copyReason(object("k", 9, "abc-2", 2_000), object("k", 9, md5a, 3_000))).toBeUndefined();
    expect(copyReason(object("k", 9, "abc-2", 4_000), object("k", 9, md5a, 3_000))).toBe("newer");
    // SSE-KMS buckets: ETags look plain but are not MD5s; trustEtags=false compares size + time
    expect(copyReason(object("k", 1, md5b, 1_000), object("k", 1, md5a, 2_000), false)).toBeUndefined();
    expect(copyReason(object("k", 1, md5b, 3_000), object("k", 1, md5a, 2_000), false)).toBe("newer");
  });

  test("plan: copies, skips, deletes within the scope only", () => {
    // GIVEN a source and a destination with overlaps, extras and out-of-scope keys
    const source = [object("img/a", 1, "a"), object("img/b", 2, "b"), object("img/tmp/c", 3, "c"), object("doc/d", 4, "d")];
    const destination = [object("img/a", 1, "a"), object("img/b", 2, "x"), object("img/old", 5, "o"), object("img/tmp/keep", 6, "k"), object("doc/e", 7, "e")];

    // WHEN planning images/ minus img/tmp/
    const plan = planSync(source, destination, { include: ["img/"], exclude: ["img/tmp/"] });

    // THEN only in-scope keys are compared
    expect(plan.copy).toEqual([{ key: "img/b", size: 2, etag: "b", reason: "etag" }]);
    expect(plan.delete.map((o) => o.key)).toEqual(["img/old"]);
    expect(plan).toMatchObject({ skipped: 1, bytesToCopy: 2, bytesToDelete: 5, source: { objects: 2, bytes: 3 }, destination: { objects: 3, bytes: 8 } });

    // WHEN deletion is off
    expect(planSync(source, destination, { delete: false }).delete).toEqual([]);
  });

  test("listing prefixes drop prefixes covered by shorter ones; scope checks", () => {
    expect(listingPrefixes(undefined)).toEqual([""]);
    expect(listingPrefixes(["img/a/", "img/", "doc/", "doc/"])).toEqual(["doc/", "img/"]);
    expect(inScope("img/x", { include: ["img/"], exclude: ["img/tmp/"] })).toBe(true);
    expect(inScope("img/tmp/x", { include: ["img/"], exclude: ["img/tmp/"] })).toBe(false);
    expect(inScope("doc/x", { include: ["img/"] })).toBe(false);
  });
});
