"""LightningModules of the three recipes: depth + sky, refiner (cycle GAN), sky dome (GAN)."""

from __future__ import annotations

import copy
from collections import OrderedDict
import dataclasses
import logging
import math
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F

from infinite_nature.evaluate.metrics import psnr
from infinite_nature.evaluate.photo_sky import evaluate_photo_sky, sky_photos_option
from infinite_nature.models import (
    DepthSkyConfig,
    DepthSkyNet,
    DiscriminatorConfig,
    MultiScaleDiscriminator,
    RefinerConfig,
    RefinerNet,
    SkyGenerator,
    SkyGeneratorConfig,
    load_checkpoint,
    save_checkpoint,
)
from infinite_nature.render.fill import SKY_LABEL, keep_rendered, render_for_refiner, splatted_label
from infinite_nature.render.sky_dome import view_to_panorama
from infinite_nature.train.configs import DepthTrainConfig, RefinerTrainConfig, SkyTrainConfig, TrainConfig
from infinite_nature.train.cycle import random_motion, there_and_back
from infinite_nature.train.datamodule import move
from infinite_nature.train.losses import (
    absolute_relative_error,
    feature_matching_loss,
    gradient_matching_loss,
    hinge_discriminator_loss,
    hinge_generator_loss,
    intersection_over_union,
    relative_depth_loss,
    scale_shift_invariant_loss,
)
from infinite_nature.train.perceptual import PerceptualLoss
from infinite_nature.train.samples import save_grid
from infinite_nature.train.sky_hiding import hide_sky_beside

logger = logging.getLogger(__name__)


class _StepModule(L.LightningModule):
    """Counts the batches it has trained on (saved in checkpoints) and builds batch N from that count."""

    network_attribute = "model"

    def __init__(self, config: TrainConfig) -> None:
        super().__init__()
        self.config = config
        self.save_hyperparameters({"recipe": type(config).__name__, **dataclasses.asdict(config)})
        self.register_buffer("batches_seen", torch.zeros((), dtype=torch.long))

    def next_batch(self) -> tuple[int, dict[str, torch.Tensor]]:
        step = int(self.batches_seen)
        batch = self.trainer.datamodule.batches.batch(step, self.global_rank)
        self.batches_seen += 1
        return step, move(batch, self.device)

    def _due(self, step: int, every: int) -> bool:
        return every > 0 and step % every == 0 and self.global_rank == 0

    def sample_path(self, step: int) -> Path:
        return Path(self.config.out) / "samples" / f"step_{step:06d}.png"

    def exported_network(self) -> torch.nn.Module:
        return getattr(self, self.network_attribute)

    def _init_from(self, network: torch.nn.Module, name: str) -> torch.nn.Module | None:
        """Load ``--init-weights`` into ``network``; returns the loaded checkpoint's network (None without)."""
        if not self.config.init_weights:
            return None
        source = Path(self.config.init_weights)
        loaded = load_checkpoint(source / name if source.is_dir() else source, network=name)
        network.load_state_dict(loaded.state_dict())
        return loaded

    def export(self, path: str | Path, description: dict[str, object]) -> tuple[Path, Path]:
        return save_checkpoint(self.exported_network(), path, training=description)


def _adam(parameters, config: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.Adam(parameters, lr=config.learning_rate, betas=(0.5, 0.99))


def _update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    with torch.no_grad():
        for target, source in zip(ema.parameters(), model.parameters()):
            target.lerp_(source, 1.0 - decay)
        for target, source in zip(ema.buffers(), model.buffers()):
            target.copy_(source)


class DepthSkyModule(_StepModule):
    """Supervised on exact world depth (or cached pseudo-labels): SSI + gradient matching + sky BCE."""

    def __init__(self, config: DepthTrainConfig) -> None:
        super().__init__(config)
        self.model = DepthSkyNet(DepthSkyConfig(encoder=config.encoder, decoder_channels=config.decoder_channels,
                                                  disparity_output=config.disparity_output,
                                                  input_size=config.resolution))
        self.sky_photos = sky_photos_option(config.sky_photos, "--sky-photos", required=False)
        loaded = self._init_from(self.model, "depth_sky")
        if loaded is not None and loaded.config.disparity_output != config.disparity_output:
            # same shapes, so the weights load; the head's output is read anew
            logger.warning("--init-weights %s: its disparity head was trained as disparity_output=%s, this run "
                           "trains it as %s; the first few hundred steps re-learn the head",
                           config.init_weights, loaded.config.disparity_output, config.disparity_output)

    def losses(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        raw, logits = self.model(batch["rgb"])
        raw, logits = raw.float(), logits.float()  # alignment sums stay in float32 under mixed precision
        ground = ~batch["sky"]
        return {
            "ssi": scale_shift_invariant_loss(raw, batch["disparity"], ground),
            "gradient": gradient_matching_loss(raw, batch["disparity"], ground),
            "sky_bce": F.binary_cross_entropy_with_logits(logits, batch["sky"].float()),
            "relative": relative_depth_loss(raw, batch["disparity"], ground),
            "_raw": raw,
            "_logits": logits,
        }

    def training_step(self, tick, batch_index):
        step, batch = self.next_batch()
        parts = self.losses(batch)
        c = self.config
        loss = (parts["ssi"] + c.gradient_weight * parts["gradient"] + c.sky_weight * parts["sky_bce"]
                + c.relative_weight * parts["relative"])
        self.log_dict({f"train/{k}": v for k, v in parts.items() if not k.startswith("_")} | {"train/loss": loss},
                      prog_bar=True, on_step=True)
        if self._due(step, c.sample_every):
            disparity = parts["_raw"] / parts["_raw"].amax(dim=(2, 3), keepdim=True)
            save_grid(self.sample_path(step), [batch["rgb"], batch["disparity"], disparity.detach(),
                                               torch.sigmoid(parts["_logits"]).detach()])
        return loss

    def validation_step(self, batch, batch_index):
        raw, logits = self.model(batch["rgb"])
        ground = ~batch["sky"]
        self.log("val/abs_rel", absolute_relative_error(raw, batch["disparity"], ground), prog_bar=True, sync_dist=True)
        self.log("val/sky_iou", intersection_over_union(torch.sigmoid(logits) > 0.5, batch["sky"]), prog_bar=True, sync_dist=True)

    def on_validation_epoch_end(self) -> None:
        if self.sky_photos:
            report = evaluate_photo_sky(lambda rgb: self.model.predict(rgb.to(self.device)).sky, list(self.sky_photos))
            self.log("val/photo_sky_iou", report["iou"], prog_bar=True, sync_dist=True)

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.config.learning_rate, weight_decay=1e-4)
        total = max(self.config.max_steps, 1)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


class _GanModule(_StepModule):
    """A generator, its EMA copy (what gets exported) and a discriminator, with two optimizers
    stepped by hand: the shared half of the refiner and sky recipes."""

    network_attribute = "ema"

    def __init__(self, config: TrainConfig, generator: torch.nn.Module, name: str, discriminator: torch.nn.Module) -> None:
        super().__init__(config)
        self.automatic_optimization = False
        self.generator = generator
        loaded = self._init_from(self.generator, name)
        self.init_config = loaded.config if loaded is not None else None  # the --init-weights network's config
        self.discriminator = discriminator
        self.ema = copy.deepcopy(self.generator).requires_grad_(False)

    def step_generator(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        optimizer.step()
        _update_ema(self.ema, self.generator, self.config.ema_decay)

    def step_discriminator(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        optimizer.step()

    def configure_optimizers(self):
        return _adam(self.generator.parameters(), self.config), _adam(self.discriminator.parameters(), self.config)


class RefinerModule(_GanModule):
    """Cycle consistency on still photos plus a hinge GAN on non-cyclic views (two optimizers, EMA)."""

    def __init__(self, config: RefinerTrainConfig) -> None:
        super().__init__(config, RefinerNet(RefinerConfig(input_size=config.resolution)), "refiner",
                         MultiScaleDiscriminator(DiscriminatorConfig(in_channels=4)))
        # in a tuple, so that the frozen VGG stays out of the checkpoints (and --resume works either way)
        self._perceptual = (PerceptualLoss(config.perceptual_weights),) if config.perceptual_weights else ()

    def perceptual(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``--perceptual-weight`` times the VGG16 perceptual loss; 0 without ``--perceptual-weights``."""
        if not self._perceptual:
            return prediction.new_zeros(())
        loss = self._perceptual[0].to(prediction.device)(prediction, target)
        self.log("train/perceptual", loss, on_step=True)
        return self.config.perceptual_weight * loss

    def views(self, batch: dict[str, torch.Tensor], step: int, generator_net: RefinerNet):
        random = torch.Generator().manual_seed(self.config.seed * 7919 + step * 2 + self.global_rank * 104729)
        rgb, disparity, intrinsics = batch["rgb"], batch["disparity"], batch["intrinsics"]
        transform = random_motion(rgb.shape[0], random, self.config.motion_scale).to(self.device)
        there, back = there_and_back(rgb, disparity, intrinsics, transform)
        latent = generator_net.sample_latent(rgb.shape[0], random).to(self.device)
        style = generator_net.encode_style(rgb)
        cycle = generator_net(back.features, back.disparity, back.valid.to(rgb.dtype), style, latent)
        forward = generator_net(there.features, there.disparity, there.valid.to(rgb.dtype), style, latent)
        return there, back, cycle, forward

    def reconstruction(self, batch, back, cycle) -> torch.Tensor:
        weight = 1.0 + self.config.hole_weight * (~back.valid).to(batch["rgb"].dtype)
        rgb = ((cycle.rgb - batch["rgb"]).abs() * weight).mean()
        disparity = ((cycle.disparity - batch["disparity"]).abs() * weight).mean()
        return rgb + disparity

    def training_step(self, tick, batch_index):
        step, batch = self.next_batch()
        there, back, cycle, forward = self.views(batch, step, self.generator)
        real = torch.cat([batch["rgb"], batch["disparity"]], dim=1)
        fake = torch.cat([forward.rgb, forward.disparity], dim=1)
        matched = torch.cat([cycle.rgb, cycle.disparity], dim=1)
        reconstruction = self.reconstruction(batch, back, cycle) + self.perceptual(cycle.rgb, batch["rgb"])
        g_loss = self.update(step, real, fake, matched, reconstruction)
        if self._due(step, self.config.sample_every):
            save_grid(self.sample_path(step), [batch["rgb"], there.features, forward.rgb.detach(), back.features,
                                               cycle.rgb.detach()])
        return g_loss

    def update(self, step: int, real: torch.Tensor, fake: torch.Tensor, matched: torch.Tensor,
               reconstruction: torch.Tensor) -> torch.Tensor:
        """One generator step (reconstruction; after ``adversarial_start`` also hinge GAN on ``fake``
        and feature matching of ``matched`` against ``real``), then one discriminator step."""
        c = self.config
        g_optimizer, d_optimizer = self.optimizers()
        g_loss = c.reconstruction_weight * reconstruction
        logs = {"train/reconstruction": reconstruction}
        if step >= c.adversarial_start:
            adversarial = hinge_generator_loss(self.discriminator(fake))
            matching = feature_matching_loss(self.discriminator(real), self.discriminator(matched))
            g_loss = g_loss + c.adversarial_weight * adversarial + c.feature_matching_weight * matching
            logs |= {"train/g_adversarial": adversarial, "train/feature_matching": matching}
        self.step_generator(g_optimizer, g_loss)

        real_input = real.detach().requires_grad_(c.r1_weight > 0)
        real_out = self.discriminator(real_input)
        d_loss = hinge_discriminator_loss(real_out, self.discriminator(fake.detach()))
        if c.r1_weight > 0:
            gradient = torch.autograd.grad(sum(o[0].sum() for o in real_out), real_input, create_graph=True)[0]
            d_loss = d_loss + c.r1_weight * gradient.square().sum(dim=(1, 2, 3)).mean()
        self.step_discriminator(d_optimizer, d_loss)
        self.log_dict(logs | {"train/g_loss": g_loss, "train/d_loss": d_loss}, prog_bar=True, on_step=True)
        return g_loss

    def validation_step(self, batch, batch_index):
        _, back, cycle, _ = self.views(batch, 10_000_000 + batch_index, self.ema)
        mse = (cycle.rgb - batch["rgb"]).square().mean(dim=(1, 2, 3)).clamp_min(1e-10)
        self.log("val/cycle_psnr", (10 * torch.log10(1.0 / mse)).mean(), prog_bar=True, sync_dist=True)
        self.log("val/reconstruction", self.reconstruction(batch, back, cycle), sync_dist=True)


class TrajectoryRefinerModule(RefinerModule):
    """The refiner learns from true novel views along world paths (``--mode trajectory``): the
    start view is rendered to the camera ``k`` steps on and rendered pixels are kept, both exactly
    as in a flight, and the result must match the true view there."""

    def views(self, batch: dict[str, torch.Tensor], step: int, generator_net: RefinerNet):
        random = torch.Generator().manual_seed(self.config.seed * 7919 + step * 2 + self.global_rank * 104729)
        rgb = batch["rgb"]
        with torch.no_grad():
            features = torch.cat([rgb, batch["sky"].to(rgb.dtype)], dim=1)
            splatted = render_for_refiner(features, batch["disparity"], batch["intrinsics"], batch["transform"])
        latent = generator_net.sample_latent(rgb.shape[0], random).to(self.device)
        refined = generator_net(splatted.features[:, :3], splatted.disparity, splatted.valid.to(rgb.dtype),
                                generator_net.encode_style(rgb), latent)
        shown_rgb, shown_disparity, kept = keep_rendered(refined.rgb, refined.disparity, splatted,
                                                         splatted_label(splatted, SKY_LABEL) > 0.5)
        return splatted, refined, torch.cat([shown_rgb, shown_disparity], dim=1), kept

    def reconstruction(self, batch, refined, shown, kept) -> torch.Tensor:
        """L1 of the refiner's whole output, plus ``hole_weight`` times L1 where the flight shows it."""
        target = torch.cat([batch["target_rgb"], batch["target_disparity"]], dim=1)
        whole = (torch.cat([refined.rgb, refined.disparity], dim=1) - target).abs().mean()
        holes = ((shown - target).abs() * (1.0 - kept)).mean()
        return whole + self.config.hole_weight * holes

    def training_step(self, tick, batch_index):
        step, batch = self.next_batch()
        splatted, refined, shown, kept = self.views(batch, step, self.generator)
        real = torch.cat([batch["target_rgb"], batch["target_disparity"]], dim=1)
        reconstruction = (self.reconstruction(batch, refined, shown, kept)
                          + self.perceptual(shown[:, :3], batch["target_rgb"]))
        g_loss = self.update(step, real, shown, shown, reconstruction)
        if self._due(step, self.config.sample_every):
            save_grid(self.sample_path(step), [batch["rgb"], splatted.features[:, :3], shown[:, :3].detach(),
                                               batch["target_rgb"]])
        return g_loss

    def validation_step(self, batch, batch_index):
        _, refined, shown, kept = self.views(batch, 10_000_000 + batch_index, self.ema)
        self.log("val/target_psnr", psnr(shown[:, :3], batch["target_rgb"]).mean(), prog_bar=True, sync_dist=True)
        self.log("val/reconstruction", self.reconstruction(batch, refined, shown, kept), sync_dist=True)


DOME_CACHE_SIZE = 4096  # world sky domes kept in memory (float16, about 220 kB each)


class SkyModule(_GanModule):
    """Completes sky domes from the visible sky of a view. A world view's target is the world's
    own dome; a photo's (no world seed) is the sky it shows, one side of it hidden from the
    generator (``train/sky_hiding.py``)."""

    def __init__(self, config: SkyTrainConfig) -> None:
        discriminator = MultiScaleDiscriminator(DiscriminatorConfig(in_channels=3, scales=2))
        super().__init__(config, SkyGenerator(SkyGeneratorConfig(carried_base=config.carried_base)), "sky_generator",
                         discriminator)
        if self.init_config is not None and self.init_config.carried_base != config.carried_base:
            # same shapes, so the weights load; what the last layer's output means changes
            logger.warning("--init-weights %s: its generator was trained with carried_base=%s, this run trains it with "
                           "%s; its colours are re-learnt (pass %s to continue it as it was)", config.init_weights,
                           self.init_config.carried_base, config.carried_base,
                           "--carried-base" if self.init_config.carried_base else "--no-carried-base")
        self._domes: OrderedDict[int, torch.Tensor] = OrderedDict()  # LRU of target domes, float16

    def domes(self, seeds: torch.Tensor) -> torch.Tensor:
        from infinite_nature.world import World

        g = self.generator.config
        out = []
        for seed in seeds.tolist():
            if seed in self._domes:
                self._domes.move_to_end(seed)
            else:
                self._domes[seed] = World(int(seed)).sky_dome(g.pano_height, g.pano_width, g.min_elevation)[0].half()
                if len(self._domes) > DOME_CACHE_SIZE:
                    self._domes.popitem(last=False)
            out.append(self._domes[seed])
        return torch.stack(out).to(self.device, torch.float32)

    def inputs(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        g = self.generator.config
        return view_to_panorama(batch["rgb"], batch["sky"], batch["intrinsics"], batch["rotation"],
                                g.pano_height, g.pano_width, g.min_elevation)

    def targets(self, batch, partial: torch.Tensor, known: torch.Tensor, random: torch.Generator):
        """What each view's completion is held to: (target, the sky given to the generator, the
        L1 weight, the pixels that count), each [B, C, Hp, Wp]. World views: the whole dome, their
        own sky weighted 3x. Photos: only the sky they show, the hidden side 3x; the
        discriminator sees only that too, the photo's as real and the completion's as fake."""
        world = batch["world_seed"] >= 0  # [B]
        photo = ~world.view(-1, 1, 1, 1)
        target = partial.clone()
        if bool(world.any()):
            target[world] = self.domes(batch["world_seed"][world])
        given = torch.where(photo, hide_sky_beside(known, random), known) if bool(photo.any()) else known
        weight = torch.where(photo, known * (1.0 + 2.0 * (known - given)), 1.0 + 2.0 * known)
        judged = torch.where(photo, known, torch.ones_like(known))
        return target, given, weight, judged

    def training_step(self, tick, batch_index):
        c = self.config
        g_optimizer, d_optimizer = self.optimizers()
        step, batch = self.next_batch()
        partial, known = self.inputs(batch)
        random = torch.Generator().manual_seed(c.seed * 7919 + step)
        latent = self.generator.sample_latent(partial.shape[0], random).to(self.device)
        target, given, weight, judged = self.targets(batch, partial, known, random)
        dome = self.generator(partial * given, given, latent)
        # the mean over the pixels that count (a photo's sky is about 1% of the dome)
        reconstruction = ((dome - target).abs() * weight).sum() / (3 * judged.sum()).clamp_min(1.0)
        adversarial = hinge_generator_loss(self.discriminator(dome * judged))
        g_loss = reconstruction + c.adversarial_weight * adversarial
        self.step_generator(g_optimizer, g_loss)
        real, fake = self.discriminator(target * judged), self.discriminator(dome.detach() * judged)
        d_loss = hinge_discriminator_loss(real, fake)
        self.step_discriminator(d_optimizer, d_loss)
        self.log_dict({"train/reconstruction": reconstruction, "train/g_adversarial": adversarial,
                       "train/d_loss": d_loss}, prog_bar=True, on_step=True)
        if self._due(step, c.sample_every):
            save_grid(self.sample_path(step), [partial * given, dome.detach(), target])
        return g_loss

    def validation_step(self, batch, batch_index):
        partial, known = self.inputs(batch)
        target, given, _, _ = self.targets(batch, partial, known, torch.Generator().manual_seed(batch_index))
        dome = self.ema(partial * given, given)
        world = batch["world_seed"] >= 0
        if bool(world.any()):
            self.log("val/dome_l1", (dome - target)[world].abs().mean(), prog_bar=True, sync_dist=True)
        hidden = (known - given)[~world]
        if bool(hidden.any()):
            error = ((dome - target)[~world].abs() * hidden).sum() / (3 * hidden.sum())
            self.log("val/hidden_sky_l1", error, prog_bar=True, sync_dist=True)


MODULES = {"depth": DepthSkyModule, "refiner": RefinerModule, "sky": SkyModule}
OPTIMIZERS_PER_STEP = {"depth": 1, "refiner": 2, "sky": 2}
