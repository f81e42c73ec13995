"""A small CLIP in open_clip's shape: ViT image tower and causal text transformer."""


import torch
from torch import nn
from torch.nn import functional as F

from .layers import ResidualBlock, causal_mask


class VisionTower(nn.Module):
    """Patch embedding without bias, class token, learned positions, ln_pre, pre-norm blocks, ln_post on
    the class token, projection."""

    def __init__(self, image_size, patch_size, width, layers, heads, embed_dim):
        super().__init__()
        grid = image_size // patch_size
        scale = width**-0.5
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([ResidualBlock(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, embed_dim))

    def forward(self, image):
        x = self.conv1(image)  # [b, width, grid, grid]
        x = x.flatten(2).transpose(1, 2)  # [b, grid², width]
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x)
        for block in self.blocks:
            x = block(x)
        return self.ln_post(x[:, 0, :]) @ self.proj


class TextTower(nn.Module):
    """Token embedding, learned positions, causal pre-norm blocks, ln_final, features at the EOT position
    (the highest id in the row), projection."""

    def __init__(self, vocab_size, context_length, width, layers, heads, embed_dim):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.positional_embedding = nn.Parameter(torch.empty(context_length, width))
        self.blocks = nn.ModuleList([ResidualBlock(width, heads) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.empty(width, embed_dim))
        # open_clip's initialisation of the text tower
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        proj_std = (width**-0.5) * ((2 * layers) ** -0.5)
        attn_std = width**-0.5
        fc_std = (2 * width) ** -0.5
        for block in self.blocks:
            nn.init.normal_(block.attn.in_proj.weight, std=attn_std)
            nn.init.normal_(block.attn.out_proj.weight, std=proj_std)
            nn.init.normal_(block.mlp[0].weight, std=fc_std)
            nn.init.normal_(block.mlp[2].weight, std=proj_std)
        nn.init.normal_(self.text_projection, std=width**-0.5)

    def forward(self, text):
        x = self.token_embedding(text) + self.positional_embedding[: text.shape[1]]
        mask = causal_mask(text.shape[1], x.device)
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln_final(x)
        eot = text.argmax(dim=-1)
        return x[torch.arange(x.shape[0], device=x.device), eot] @ self.text_projection


class Clip(nn.Module):
    def __init__(self, cfg, logit_scale_init):
        super().__init__()
        self.visual = VisionTower(cfg["image_size"], cfg["patch_size"], cfg["vision_width"], cfg["vision_layers"], cfg["vision_heads"], cfg["embed_dim"])
        self.text = TextTower(cfg["vocab_size"], cfg["context_length"], cfg["text_width"], cfg["text_layers"], cfg["text_heads"], cfg["embed_dim"])
        self.logit_scale = nn.Parameter(torch.tensor(float(logit_scale_init)))

    def loss(self, images, texts):
        """Symmetric InfoNCE over the batch (open_clip ClipLoss, one process)."""
        img = F.normalize(self.visual(images), dim=-1)
        txt = F.normalize(self.text(texts), dim=-1)
        logits = self.logit_scale.exp() * img @ txt.t()
        labels = torch.arange(images.shape[0], device=images.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2

    def loss_of_slice(self, images, texts, dist):
        """The same loss over the global batch from this rank's slice (open_clip ClipLoss with
        gather_with_grad=False, local_loss=False): the other ranks' features are gathered, this rank's
        keep their gradient."""
        img = F.normalize(self.visual(images), dim=-1)
        txt = F.normalize(self.text(texts), dim=-1)
        all_img = dist.all_gather(img)
        all_txt = dist.all_gather(txt)
        all_img[dist.rank] = img
        all_txt[dist.rank] = txt
        img = torch.cat(all_img)
        txt = torch.cat(all_txt)
        logits = self.logit_scale.exp() * img @ txt.t()
        labels = torch.arange(img.shape[0], device=img.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def param_groups(model, weight_decay):
    """open_clip's split: no decay for ndim < 2 and names with bn, ln, bias or logit_scale."""

    def exclude(name, p):
        return p.ndim < 2 or "bn" in name or "ln" in name or "bias" in name or "logit_scale" in name

    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    return [
        {"params": [p for n, p in named if exclude(n, p)], "weight_decay": 0.0},
        {"params": [p for n, p in named if not exclude(n, p)], "weight_decay": weight_decay},
    ]


def clamp_logit_scale(model, maximum):
    with torch.no_grad():
        model.logit_scale.clamp_(0, maximum)


def count_params(model):
    return sum(p.numel() for p in model.parameters())


