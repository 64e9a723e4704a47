# source: https://github.com/krasserm/face-recognition/blob/04b74f85e394a2982e95ce73c09d1574cc9d3486/face-recognition.ipynb
# license: none stated in the repository
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from keras import backend as K
from keras.models import Model
from keras.layers import Input, Layer, Conv2D, MaxPooling2D, Flatten, Dense, Lambda


def create_model():
    # kerasmagic-corpus: a small stand-in for the repository's model.py (nn4.small2), which ends the
    # same way: a 128-unit dense layer and an L2-normalisation Lambda
    myInput = Input(shape=(96, 96, 3))
    x = Conv2D(8, (7, 7), strides=(4, 4), activation='relu')(myInput)
    x = MaxPooling2D(pool_size=3, strides=2)(x)
    x = Flatten()(x)
    x = Dense(128, name='dense_layer')(x)
    norm_layer = Lambda(lambda x: K.l2_normalize(x, axis=1), name='norm_layer')(x)
    return Model(inputs=[myInput], outputs=norm_layer)


nn4_small2 = create_model()

in_a = Input(shape=(96, 96, 3))
in_p = Input(shape=(96, 96, 3))
in_n = Input(shape=(96, 96, 3))
emb_a = nn4_small2(in_a)
emb_p = nn4_small2(in_p)
emb_n = nn4_small2(in_n)


class TripletLossLayer(Layer):
    def __init__(self, alpha, **kwargs):
        self.alpha = alpha
        super(TripletLossLayer, self).__init__(**kwargs)

    def triplet_loss(self, inputs):
        a, p, n = inputs
        p_dist = K.sum(K.square(a-p), axis=-1)
        n_dist = K.sum(K.square(a-n), axis=-1)
        return K.sum(K.maximum(p_dist - n_dist + self.alpha, 0), axis=0)

    def call(self, inputs):
        loss = self.triplet_loss(inputs)
        self.add_loss(loss)
        return loss


triplet_loss_layer = TripletLossLayer(alpha=0.2, name='triplet_loss_layer')([emb_a, emb_p, emb_n])
nn4_small2_train = Model([in_a, in_p, in_n], triplet_loss_layer)


def triplet_generator():
    # kerasmagic-corpus: synthetic data (the repository's data.triplet_generator also yields random images)
    while True:
        a_batch = np.random.rand(4, 96, 96, 3)
        p_batch = np.random.rand(4, 96, 96, 3)
        n_batch = np.random.rand(4, 96, 96, 3)
        # the notebook describes ([a_batch, p_batch, n_batch], None): a list of inputs from a generator is
        # read as one stacked tensor since TF 2 (Keras 2.15 too), so the inputs are a tuple here
        yield (a_batch, p_batch, n_batch), None


generator = triplet_generator()
nn4_small2_train.compile(loss=None, optimizer='adam')
nn4_small2_train.fit_generator(generator, epochs=1, steps_per_epoch=3)  # kerasmagic-corpus: cut (10 epochs, 100 steps)

# kerasmagic-corpus: the pretrained weights (weights/nn4.small2.v1.h5), dlib landmarks and LFW images
# are not loaded; the trained model embeds random aligned-face-sized images instead
images = np.random.rand(4, 96, 96, 3).astype('float32')
embedded = np.zeros((images.shape[0], 128))
for i, img in enumerate(images):
    embedded[i] = nn4_small2.predict(np.expand_dims(img, axis=0))[0]


def distance(emb1, emb2):
    return np.sum(np.square(emb1 - emb2))


print('distance 0-1', distance(embedded[0], embedded[1]))
