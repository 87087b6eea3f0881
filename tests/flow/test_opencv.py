"""The reference backend over cv2.optflow.DualTVL1OpticalFlow."""

from __future__ import annotations

import numpy as np
import torch

from microexp.flow import compute_flow
from microexp.flow.opencv import OpenCVPool, create_tvl1, opencv_flow, opencv_pair
from microexp.flow.synthetic import endpoint_error


def test_recovers_subpixel_motion(subpixel_pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, truth = subpixel_pairs
    flow = compute_flow(prev, nxt, backend="opencv")
    assert flow.shape == truth.shape and flow.dtype == torch.float32
    epe = endpoint_error(flow, truth)
    assert float(epe.max()) < 0.5 and float(epe.mean()) < 0.25


def test_pair_api_and_dtypes(pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, _ = pairs
    a = prev[0].permute(1, 2, 0).numpy()
    b = nxt[0].permute(1, 2, 0).numpy()
    flow_u8 = opencv_pair(a, b)
    assert flow_u8.shape == (2, 64, 64) and flow_u8.dtype == np.float32
    # float input on the 0-255 scale (OpenCV itself expects 0-1 floats: handled)
    flow_f = opencv_pair(a.astype(np.float32), b.astype(np.float32))
    assert float(np.sqrt(((flow_f - flow_u8) ** 2).sum(0)).mean()) < 0.05
    # one grey channel, 2-D or 3-D
    import cv2

    ga, gb = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
    np.testing.assert_array_equal(opencv_pair(ga, gb), flow_u8)
    np.testing.assert_array_equal(opencv_pair(ga[..., None], gb[..., None]), flow_u8)


def test_batch_matches_pairs_and_convention(pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, truth = (t[:2] for t in pairs)
    batch = opencv_flow(prev, nxt)
    for i in range(2):
        one = opencv_pair(prev[i].permute(1, 2, 0).numpy(), nxt[i].permute(1, 2, 0).numpy())
        np.testing.assert_array_equal(batch[i].numpy(), one)
    # channel 0 is x: the ground truth's x part is what is recovered there
    assert float(endpoint_error(batch, truth).mean()) < 0.3
    swapped = batch.flip(1)
    assert float(endpoint_error(swapped, truth).mean()) > float(
        endpoint_error(batch, truth).mean()
    )


def test_create_spells_the_binding_keyword() -> None:
    assert "innnerIterations" in __import__("cv2").optflow.DualTVL1OpticalFlow_create.__doc__
    assert create_tvl1().getInnerIterations() == 30


def test_pool_equals_single_process(pairs: tuple[torch.Tensor, ...]) -> None:
    prev, nxt, _ = pairs
    with OpenCVPool(2, chunk=3) as pool:
        pooled = pool.compute(prev, nxt)
    single = opencv_flow(prev, nxt)
    torch.testing.assert_close(pooled, single, atol=1e-5, rtol=0)


def test_small_images_do_not_change_later_results(pairs: tuple[torch.Tensor, ...]) -> None:
    # OpenCV's calc() lowers its own scale count on small images; the cached instance must not
    # carry that over to the next call
    prev, nxt, _ = (t[:1] for t in pairs)
    before = opencv_flow(prev, nxt)
    opencv_flow(prev[..., :20, :20], nxt[..., :20, :20])
    torch.testing.assert_close(opencv_flow(prev, nxt), before, atol=0, rtol=0)
