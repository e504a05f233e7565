import { describe, expect, it } from "vitest";
import { findUnsafeSvg } from "../src/images/svg.ts";
import { SAFE_SVG, SCRIPTED_SVG } from "./helpers/images.ts";

describe("SVG figures are refused when they could run script or fetch another document", () => {
  it("passes a drawing that refers only to itself", () => {
    expect(findUnsafeSvg(SAFE_SVG)).toBeUndefined();
  });

  it.each([
    [SCRIPTED_SVG, "it contains a <script> element"],
    ['<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>', "it has an event handler attribute (onload on <rect>)"],
    ['<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>', "it contains a <foreignObject> element"],
    ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://tracker.example/p.png"/></svg>', 'it refers to another document (xlink:href="https://tracker.example/p.png" on <image>)'],
    ['<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#a"/></svg>', 'it refers to another document (href="other.svg#a" on <use>)'],
    ['<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/f)"/></svg>', "it refers to another document (url(…) in style on <rect>)"],
    ['<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);</style></svg>', "its styles refer to another document (@import or url(…))"],
    ['<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "it declares XML entities"],
    ['<html><body>not a drawing</body></html>', "its root element is not <svg>"],
  ])("refuses %s", (svg, reason) => {
    expect(findUnsafeSvg(svg)).toBe(reason);
  });
});
