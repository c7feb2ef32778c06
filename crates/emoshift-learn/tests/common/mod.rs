//! A small batch-norm conv net shared by the tests that compare with
//! PyTorch (`ConvBn` in `scripts/gen_method_fixtures.py` and
//! `scripts/parity_train.py`), built from the crate's own layers.

use emoshift_learn::nn::{BatchNorm, Conv2d, Conv2dConfig, Init, Linear, Pass};
use emoshift_learn::{Model, ParamStore};
use tch::{Device, Kind, Tensor};

/// conv3x3(1→C) → BN → ReLU → conv3x3(C→C, stride 2) → BN → ReLU as the
/// feature map, mean pooling, linear classifier; named like the PyTorch
/// `features` / `classifier` modules (`features.1.running_mean`, …).
pub struct ConvBn {
    store: ParamStore,
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    fc: Linear,
    channels: usize,
    classes: usize,
}

impl ConvBn {
    /// The net with `channels` feature channels and `classes` outputs.
    pub fn new(channels: usize, classes: usize) -> Self {
        let mut store = ParamStore::new(Device::Cpu);
        let conv = |stride| Conv2dConfig::square(3).stride(stride).no_bias();
        let conv1 = Conv2d::new(&mut store, "features.0", 1, channels, conv(1));
        let bn1 = BatchNorm::new(&mut store, "features.1", channels);
        let conv2 = Conv2d::new(&mut store, "features.3", channels, channels, conv(2));
        let bn2 = BatchNorm::new(&mut store, "features.4", channels);
        let fc = Linear::new(
            &mut store,
            "classifier",
            channels,
            classes,
            true,
            Init::Default,
        );
        ConvBn {
            store,
            conv1,
            bn1,
            conv2,
            bn2,
            fc,
            channels,
            classes,
        }
    }
}

impl Model for ConvBn {
    fn store(&self) -> &ParamStore {
        &self.store
    }

    fn feature_map(&self, params: &[Tensor], x: &Tensor, train: bool) -> Tensor {
        let pass = Pass::new(&self.store, params, train);
        let h = self
            .bn1
            .forward(&pass, &self.conv1.forward(&pass, x))
            .relu();
        self.bn2
            .forward(&pass, &self.conv2.forward(&pass, &h))
            .relu()
    }

    fn pool(&self, map: &Tensor) -> Tensor {
        map.mean_dim(&[2i64, 3][..], false, Kind::Float)
    }

    fn classify(&self, params: &[Tensor], features: &Tensor, train: bool) -> Tensor {
        self.fc
            .forward(&Pass::new(&self.store, params, train), features)
    }

    fn feature_dim(&self) -> usize {
        self.channels
    }

    fn num_classes(&self) -> usize {
        self.classes
    }
}
