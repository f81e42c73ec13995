"""Builds the natural-image set bench/contamination/phash.ts measures on, from Debian packages.

    /usr/bin/python3 bench/contamination/natural-images.py [OUT_DIR]   (default /tmp/dcbench-natural)

Downloads (apt-get download: nothing is installed) and unpacks the packages below, takes their
photographs, and writes each once as an RGB PNG (transparency flattened on white, at most 1024 px
on the longer side, at least 48 px on the shorter), dropping exact pixel duplicates:

- wallpapers: gnome-backgrounds, mate-backgrounds, ukui-wallpapers, sway-backgrounds,
  lomiri-wallpapers, plasma-workspace-wallpapers (the largest size of each);
- python3-skimage's data photographs; opencv-doc's example photographs;
- gcompris-qt-data: the photographs and paintings of the categorization, lang, explore_monuments,
  explore_world_animals, explore_farm_animals, erase and paintings activities (Qt .rcc resources,
  unpacked here);
- tuxpaint-stamps-default: the photographic stamps (animals, food, plants, vehicles…).

Astronomical photographs (Stellarium's nebulae) are left out on purpose: a small bright object on
black hashes like every other one, so the check treats them as low-detail eval images (exact
duplicates only); bench/README.md gives the numbers with them.
Needs python3-pil and the Debian mirror; about 300 MB of downloads.
"""
import collections
import glob
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

from PIL import Image

out = sys.argv[1] if len(sys.argv) > 1 else '/tmp/dcbench-natural'
PACKAGES = ['gnome-backgrounds', 'mate-backgrounds', 'ukui-wallpapers', 'sway-backgrounds', 'lomiri-wallpapers', 'plasma-workspace-wallpapers',
            'python3-skimage', 'opencv-doc', 'gcompris-qt-data', 'tuxpaint-stamps-default']
SKIMAGE = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png', 'coins.png', 'grass.png', 'gravel.png', 'brick.png', 'hubble_deep_field.jpg', 'moon.png',
           'motorcycle_left.png', 'rocket.jpg', 'retina.jpg', 'ihc.png', 'cell.png', 'microaneurysms.png', 'skin.jpg', 'kidney.tif', 'lily.tif', 'page.png', 'text.png', 'color.png']
GCOMPRIS = ['categorization', 'lang', 'explore_monuments', 'explore_world_animals', 'explore_farm_animals', 'erase', 'paintings']
TUXPAINT = ['mammals', 'fruit', 'birds', 'flowers', 'insects', 'vegetables', 'fish', 'reptiles', 'amphibians', 'plants', 'food', 'seasonal', 'space', 'sports', 'vehicles', 'clothes']


def unpack_rcc(path, dest):
    """Qt resource file (rcc format 1-3): files of the tree, zlib-compressed ones inflated."""
    b = open(path, 'rb').read()
    if b[:4] != b'qres':
        return
    version, tree, data, names = struct.unpack('>IIII', b[4:20])
    node = 22 if version >= 2 else 14

    def name(offset):
        length, = struct.unpack('>H', b[names + offset:names + offset + 2])
        return b[names + offset + 6:names + offset + 6 + 2 * length].decode('utf-16-be')

    def walk(i, prefix):
        p = tree + i * node
        name_offset, flags = struct.unpack('>IH', b[p:p + 6])
        here = name(name_offset) if i else ''
        if flags & 2:
            count, first = struct.unpack('>II', b[p + 6:p + 14])
            for child in range(first, first + count):
                walk(child, prefix + here + '/')
        elif not flags & 4:
            offset, = struct.unpack('>I', b[p + 10:p + 14])
            size, = struct.unpack('>I', b[data + offset:data + offset + 4])
            blob = b[data + offset + 4:data + offset + 4 + size]
            if flags & 1:
                blob = zlib.decompress(blob[4:])
            target = os.path.join(dest, (prefix + here).lstrip('/'))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, 'wb').write(blob)

    walk(0, '')


work = tempfile.mkdtemp(prefix='dcbench-natural-')
subprocess.run(['apt-get', 'download', *PACKAGES], cwd=work, check=True, stdout=subprocess.DEVNULL)
root = os.path.join(work, 'root')
for deb in glob.glob(os.path.join(work, '*.deb')):
    subprocess.run(['dpkg', '-x', deb, root], check=True)

sources = []
for folder in glob.glob(root + '/usr/share/wallpapers/*/contents/images'):
    files = [f for f in glob.glob(folder + '/*') if f.lower().endswith(('.jpg', '.png'))]
    if files:
        sources.append(('plasma', max(files, key=os.path.getsize)))
for folder, label in [('/usr/share/backgrounds', 'wallpaper'), ('/usr/share/lomiri', 'wallpaper')]:
    for f in glob.glob(root + folder + '/**/*', recursive=True):
        if f.lower().endswith(('.jpg', '.jpeg', '.png', '.webp')):
            sources.append((label, f))
for f in glob.glob(root + '/usr/lib/python3/dist-packages/skimage/data/*'):
    if os.path.basename(f) in SKIMAGE:
        sources.append(('skimage', f))
for f in glob.glob(root + '/usr/share/doc/opencv-doc/examples/data/*.jpg'):
    sources.append(('opencv', f))
rcc = os.path.join(work, 'rcc')
for activity in GCOMPRIS:
    path = root + f'/usr/share/gcompris-qt/rcc/{activity}.rcc'
    if os.path.exists(path):
        unpack_rcc(path, os.path.join(rcc, activity))
        for f in glob.glob(os.path.join(rcc, activity, '**/*.webp'), recursive=True):
            sources.append(('gcompris-' + activity, f))
for category in TUXPAINT:
    for f in glob.glob(root + f'/usr/share/tuxpaint/stamps/{category}/**/*.png', recursive=True):
        sources.append(('tuxpaint-' + category, f))

os.makedirs(out, exist_ok=True)
seen = set()
kept = collections.Counter()
dropped = collections.Counter()
for label, path in sorted(sources):
    try:
        image = Image.open(path)
        image.load()
    except Exception:
        dropped['unreadable'] += 1
        continue
    if image.mode in ('RGBA', 'LA', 'P'):
        image = image.convert('RGBA')
        background = Image.new('RGBA', image.size, (255, 255, 255, 255))
        background.alpha_composite(image)
        image = background
    image = image.convert('RGB')
    if min(image.size) < 48:
        dropped['smaller than 48 px'] += 1
        continue
    if max(image.size) > 1024:
        scale = 1024 / max(image.size)
        image = image.resize((max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale))), Image.LANCZOS)
    digest = hashlib.sha256(image.tobytes() + repr(image.size).encode()).hexdigest()
    if digest in seen:
        dropped['exact duplicate'] += 1
        continue
    seen.add(digest)
    kept[label.split('-')[0]] += 1
    image.save(os.path.join(out, f'{sum(kept.values()):05d}-{label}.png'))
subprocess.run(['rm', '-rf', work], check=True)
print(f'{sum(kept.values())} images in {out}: {dict(kept)}; dropped {dict(dropped)}')
